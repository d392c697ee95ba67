using System.Net;
using MailAdmin.Protocols.Smtp;
using MailAdmin.Protocols.Smtp.Faults;
using Xunit;

namespace MailAdmin.Engine.Tests.Smtp;

/// <summary>Fault rules (Add-MailServerRule) as a session meets them: matching, first-match order,
/// rate limits on a hand-moved clock, and seeded probabilities that repeat.</summary>
public class FaultRuleTests
{
    private const string Transaction =
        "EHLO client.example\r\nMAIL FROM:<app@sender.test>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nSubject: hi\r\n\r\nHello\r\n.\r\nQUIT\r\n";

    private static SmtpSession NewSession(MemoryBackend backend, SmtpFaultRuleSet rules, string client = "127.0.0.1")
        => new(new SmtpSessionSettings { HostName = "mx.test", AuthFailureDelay = TimeSpan.Zero, AllowInsecureAuth = true, FaultRules = rules },
            backend, new IPEndPoint(IPAddress.Parse(client), 40000));

    private static Task<SessionDriver> Run(SmtpFaultRuleSet rules, string transcript, MemoryBackend? backend = null, string client = "127.0.0.1")
        => SessionDriver.RunAsync(NewSession(backend ?? new MemoryBackend(), rules, client), transcript);

    private static SmtpFaultRuleSet Rules(params SmtpFaultRule[] rules)
    {
        var set = new SmtpFaultRuleSet();
        foreach (var r in rules) set.Add(r);
        return set;
    }

    private static SmtpFaultRule ReplyRule(SmtpFaultStage stage, string reply) => new(stage, SmtpFaultAction.Reply) { Reply = SmtpFaultReply.Parse(reply) };

    [Theory]
    [InlineData("*@slow.test", "bob@slow.test", true)]
    [InlineData("*@slow.test", "BOB@SLOW.TEST", true)]
    [InlineData("*@slow.test", "bob@fast.test", false)]
    [InlineData("a?c@x.test", "abc@x.test", true)]
    [InlineData("a?c@x.test", "ac@x.test", false)]
    [InlineData("*", "", true)]
    [InlineData("limited@app.test", "limited@app.test", true)]
    [InlineData("*a*b*", "xxaxxbxx", true)]
    [InlineData("*a*b", "xxaxxbxxc", false)]
    public void AddressPatternsUseWildcards(string pattern, string text, bool expected)
        => Assert.Equal(expected, new AddressPattern(pattern).IsMatch(text));

    [Theory]
    [InlineData("451 4.7.1 Try again later", 451, "4.7.1", "Try again later")]
    [InlineData("550 No thanks", 550, null, "No thanks")]
    [InlineData("421", 421, null, "Service not available, closing transmission channel")]
    public void RepliesAreRead(string text, int code, string? enhanced, string line)
    {
        var reply = SmtpFaultReply.Parse(text);
        Assert.Equal(code, reply.Code);
        Assert.Equal(enhanced, reply.EnhancedCode);
        Assert.Equal(line, Assert.Single(reply.Lines));
    }

    [Theory]
    [InlineData("250 OK")]
    [InlineData("hello")]
    [InlineData("451 5.7.1 Mixed classes")]
    [InlineData("4511 too long")]
    public void OnlyFailureRepliesAreAccepted(string text) => Assert.Throws<ArgumentException>(() => SmtpFaultReply.Parse(text));

    [Fact]
    public void RulesThatCannotMatchAtTheirStageAreRefused()
    {
        var set = new SmtpFaultRuleSet();
        Assert.Throws<ArgumentException>(() => set.Add(new SmtpFaultRule(SmtpFaultStage.Helo, SmtpFaultAction.Disconnect) { Sender = "*" }));
        Assert.Throws<ArgumentException>(() => set.Add(new SmtpFaultRule(SmtpFaultStage.Mail, SmtpFaultAction.Disconnect) { Recipient = "*" }));
        Assert.Throws<ArgumentException>(() => set.Add(new SmtpFaultRule(SmtpFaultStage.Connect, SmtpFaultAction.Disconnect) { User = "*" }));
        Assert.Throws<ArgumentException>(() => set.Add(new SmtpFaultRule(SmtpFaultStage.Mail, SmtpFaultAction.RateLimit) { RateLimit = 3 }));
        Assert.Throws<ArgumentException>(() => set.Add(new SmtpFaultRule(SmtpFaultStage.Connect, SmtpFaultAction.RateLimit) { RateLimit = 3, Window = TimeSpan.FromMinutes(1), RateLimitScope = SmtpRateLimitScope.Sender }));
        Assert.Throws<ArgumentException>(() => set.Add(new SmtpFaultRule(SmtpFaultStage.Mail, SmtpFaultAction.Disconnect) { ClientAddress = new[] { "10.0.0.0/33" } }));
        Assert.Throws<ArgumentException>(() => set.Add(new SmtpFaultRule(SmtpFaultStage.Mail, SmtpFaultAction.Disconnect) { Probability = 1.5 }));
        Assert.Throws<ArgumentException>(() => set.Add(new SmtpFaultRule(SmtpFaultStage.Mail, SmtpFaultAction.Delay) { Delay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(1) }));
        set.Add(new SmtpFaultRule(SmtpFaultStage.Mail, SmtpFaultAction.Disconnect) { Name = "one" });
        Assert.Throws<ArgumentException>(() => set.Add(new SmtpFaultRule(SmtpFaultStage.Rcpt, SmtpFaultAction.Disconnect) { Name = "ONE" }));
        Assert.Single(set.Rules);
    }

    [Fact]
    public async Task ARcptRuleRefusesOnlyTheMatchingRecipient()
    {
        var backend = new MemoryBackend();
        var rule = ReplyRule(SmtpFaultStage.Rcpt, "451 4.7.1 Try again later");
        rule.Recipient = "bob@*";
        var d = await Run(Rules(rule), "EHLO c\r\nMAIL FROM:<x@y.test>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n", backend);
        Assert.Equal(new[] { 250, 250, 451, 250, 354, 250, 221 }, d.Codes);
        Assert.Equal("451 4.7.1 Try again later", d.Replies[2].ToString());
        var (env, _) = Assert.Single(backend.Messages);
        Assert.Equal("alice@example.com", Assert.Single(env.Recipients).Address);
        Assert.Equal(1, rule.Hits);
    }

    [Fact]
    public async Task TheFirstMatchingRuleWinsAndDelaysAddUp()
    {
        var delay1 = new SmtpFaultRule(SmtpFaultStage.Mail, SmtpFaultAction.Delay) { Delay = TimeSpan.FromSeconds(1) };
        var first = ReplyRule(SmtpFaultStage.Mail, "450 4.2.0 First");
        var second = ReplyRule(SmtpFaultStage.Mail, "550 5.7.1 Second");
        var rules = Rules(delay1, first, second);
        var session = NewSession(new MemoryBackend(), rules);
        await session.ExecuteAsync(SmtpCommandParser.Parse("EHLO c"u8.ToArray()));
        var r = await session.ExecuteAsync(SmtpCommandParser.Parse("MAIL FROM:<a@b.test>"u8.ToArray()));
        Assert.Equal("450 4.2.0 First", r.Reply!.ToString());
        Assert.Equal(TimeSpan.FromSeconds(1), r.Delay);
        Assert.Equal(SmtpState.Greeted, session.State);
        Assert.Equal((1, 1, 0), (delay1.Hits, first.Hits, second.Hits));

        // Removed while the session runs: the next MAIL meets the second rule.
        rules.Remove(first);
        r = await session.ExecuteAsync(SmtpCommandParser.Parse("MAIL FROM:<a@b.test>"u8.ToArray()));
        Assert.Equal(550, r.Reply!.Code);
        rules.Clear();
        r = await session.ExecuteAsync(SmtpCommandParser.Parse("MAIL FROM:<a@b.test>"u8.ToArray()));
        Assert.Equal(250, r.Reply!.Code);
        Assert.Equal(TimeSpan.Zero, r.Delay);
    }

    [Fact]
    public async Task ARandomDelayStaysInItsRangeAndRepeatsWithTheSeed()
    {
        async Task<List<TimeSpan>> Delays()
        {
            var rule = new SmtpFaultRule(SmtpFaultStage.Helo, SmtpFaultAction.Delay) { Delay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(900), Seed = 42 };
            var session = NewSession(new MemoryBackend(), Rules(rule));
            var list = new List<TimeSpan>();
            for (int i = 0; i < 20; i++)
            {
                var r = await session.ExecuteAsync(SmtpCommandParser.Parse("EHLO c"u8.ToArray()));
                Assert.Equal(250, r.Reply!.Code);
                list.Add(r.Delay);
            }
            return list;
        }
        var a = await Delays();
        Assert.All(a, d => Assert.InRange(d, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(900)));
        Assert.True(a.Distinct().Count() > 10, "the delays vary");
        Assert.Equal(a, await Delays());
    }

    [Fact]
    public async Task ConnectRulesReplaceTheGreetingOrDropTheConnection()
    {
        var refuse = ReplyRule(SmtpFaultStage.Connect, "554 5.7.1 Go away");
        refuse.ClientAddress = new[] { "192.0.2.0/24" };
        var rules = Rules(refuse);
        var open = NewSession(new MemoryBackend(), rules, "127.0.0.1").Open();
        Assert.Equal(220, open.Reply!.Code);
        Assert.Equal(SmtpAction.None, open.Action);
        var refused = NewSession(new MemoryBackend(), rules, "192.0.2.9").Open();
        Assert.Equal("554 5.7.1 Go away", refused.Reply!.ToString());
        Assert.Equal(SmtpAction.Close, refused.Action);

        rules.Clear();
        rules.Add(new SmtpFaultRule(SmtpFaultStage.Connect, SmtpFaultAction.Disconnect));
        var dropped = NewSession(new MemoryBackend(), rules).Open();
        Assert.Null(dropped.Reply);
        Assert.Equal(SmtpAction.Close, dropped.Action);
    }

    [Fact]
    public async Task DisconnectAtEndOfDataStoresNothing()
    {
        var backend = new MemoryBackend();
        var rule = new SmtpFaultRule(SmtpFaultStage.EndOfData, SmtpFaultAction.Disconnect) { Recipient = "alice@*" };
        var d = await Run(Rules(rule), Transaction, backend);
        Assert.Equal(new[] { 250, 250, 250, 354 }, d.Codes);
        Assert.True(d.Closed);
        Assert.Empty(backend.Messages);
        Assert.Equal(1, rule.Hits);
    }

    [Fact]
    public async Task AnEndOfDataReplyRefusesTheMessageAndTheSessionGoesOn()
    {
        var backend = new MemoryBackend();
        var rule = ReplyRule(SmtpFaultStage.EndOfData, "554 5.6.0 Content refused");
        rule.Sender = "app@*";
        var d = await Run(Rules(rule), Transaction.Replace("QUIT", "MAIL FROM:<other@sender.test>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nx\r\n.\r\nQUIT"), backend);
        Assert.Equal(new[] { 250, 250, 250, 354, 554, 250, 250, 354, 250, 221 }, d.Codes);
        Assert.Equal("other@sender.test", Assert.Single(backend.Messages).Envelope.From);
    }

    [Fact]
    public async Task BdatIsRefusedAtTheDataStageAfterItsChunkIsRead()
    {
        var backend = new MemoryBackend();
        var d = await Run(Rules(ReplyRule(SmtpFaultStage.Data, "452 4.3.1 Not now")),
            "EHLO c\r\nMAIL FROM:<x@y.test>\r\nRCPT TO:<alice@example.com>\r\nBDAT 5 LAST\r\nhello" + "RSET\r\nQUIT\r\n", backend);
        Assert.Equal(new[] { 250, 250, 250, 452, 250, 221 }, d.Codes);
        Assert.Empty(backend.Messages);
    }

    [Fact]
    public async Task A421ReplyClosesTheConnection()
    {
        var d = await Run(Rules(ReplyRule(SmtpFaultStage.Helo, "421 4.7.0 Busy")), "EHLO c\r\nQUIT\r\n");
        Assert.Equal(new[] { 421 }, d.Codes);
        Assert.True(d.Closed);
    }

    [Fact]
    public async Task AuthRulesMatchTheUserAfterASuccessfulLogin()
    {
        var rule = ReplyRule(SmtpFaultStage.Auth, "454 4.7.0 Temporary authentication failure");
        rule.User = "alice";
        var plain = Convert.ToBase64String("\0alice\0secret"u8.ToArray());
        var d = await Run(Rules(rule), $"EHLO c\r\nAUTH PLAIN {plain}\r\nMAIL FROM:<alice@example.com>\r\nQUIT\r\n");
        Assert.Equal(new[] { 250, 454, 250, 221 }, d.Codes);
        Assert.Equal(1, rule.Hits);
        Assert.Null(d.Session.AuthenticatedUser);
    }

    [Fact]
    public async Task ARateLimitLetsNThroughPerWindowAndPerKey()
    {
        var now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var rule = new SmtpFaultRule(SmtpFaultStage.Mail, SmtpFaultAction.RateLimit) { Sender = "limited@*", RateLimit = 3, Window = TimeSpan.FromMinutes(1), RateLimitScope = SmtpRateLimitScope.Sender };
        var rules = Rules(rule);
        rules.UtcNow = () => now;
        var session = NewSession(new MemoryBackend(), rules);
        await session.ExecuteAsync(SmtpCommandParser.Parse("EHLO c"u8.ToArray()));
        async Task<int> Mail(string from)
        {
            var r = await session.ExecuteAsync(SmtpCommandParser.Parse(System.Text.Encoding.ASCII.GetBytes("MAIL FROM:<" + from + ">")));
            await session.ExecuteAsync(SmtpCommandParser.Parse("RSET"u8.ToArray()));
            return r.Reply!.Code;
        }
        var codes = new List<int>();
        for (int i = 0; i < 4; i++) { codes.Add(await Mail("limited@app.test")); now = now.AddSeconds(10); }
        Assert.Equal(new[] { 250, 250, 250, 451 }, codes);
        Assert.Equal(250, await Mail("limited@other.test"));     // another sender has its own count
        Assert.Equal(250, await Mail("free@app.test"));          // not matched at all
        Assert.Equal(451, await Mail("limited@app.test"));
        now = now.AddSeconds(21);                                // the first of the three left the window
        Assert.Equal(250, await Mail("limited@app.test"));
        Assert.Equal(451, await Mail("limited@app.test"));
        Assert.Equal(3, rule.Hits);
        Assert.Equal("451 4.7.1 Rate limit exceeded (3 per 00:01:00), try again later", rule.Reply!.ToString());
    }

    [Fact]
    public async Task ARateLimitPerClientCanAnswer421()
    {
        var rule = new SmtpFaultRule(SmtpFaultStage.Connect, SmtpFaultAction.RateLimit) { RateLimit = 2, Window = TimeSpan.FromHours(1), Reply = SmtpFaultReply.Parse("421 4.7.0 Too many connections from you") };
        var rules = Rules(rule);
        Assert.Equal(220, NewSession(new MemoryBackend(), rules, "192.0.2.1").Open().Reply!.Code);
        Assert.Equal(220, NewSession(new MemoryBackend(), rules, "192.0.2.1").Open().Reply!.Code);
        Assert.Equal(220, NewSession(new MemoryBackend(), rules, "192.0.2.2").Open().Reply!.Code);
        var third = NewSession(new MemoryBackend(), rules, "192.0.2.1").Open();
        Assert.Equal(421, third.Reply!.Code);
        Assert.Equal(SmtpAction.Close, third.Action);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task AProbabilityWithASeedFailsTheSameMessagesEveryRun()
    {
        async Task<string> Run100()
        {
            var rule = ReplyRule(SmtpFaultStage.Rcpt, "451 4.3.0 Chaos");
            rule.Probability = 0.2;
            rule.Seed = 42;
            var session = NewSession(new MemoryBackend(), Rules(rule));
            await session.ExecuteAsync(SmtpCommandParser.Parse("EHLO c"u8.ToArray()));
            await session.ExecuteAsync(SmtpCommandParser.Parse("MAIL FROM:<a@b.test>"u8.ToArray()));
            var pattern = new System.Text.StringBuilder();
            for (int i = 0; i < 100; i++)
            {
                var r = await session.ExecuteAsync(SmtpCommandParser.Parse("RCPT TO:<alice@example.com>"u8.ToArray()));
                pattern.Append(r.Reply!.Code == 451 ? 'x' : '.');
                if (r.Reply.Code == 250) await session.ExecuteAsync(SmtpCommandParser.Parse("RSET"u8.ToArray()));
                if (r.Reply.Code == 250) await session.ExecuteAsync(SmtpCommandParser.Parse("MAIL FROM:<a@b.test>"u8.ToArray()));
            }
            Assert.Equal(pattern.ToString().Count(c => c == 'x'), rule.Hits);
            return pattern.ToString();
        }
        var first = await Run100();
        int failures = first.Count(c => c == 'x');
        Assert.InRange(failures, 8, 35);   // about 20 of 100
        Assert.Equal(first, await Run100());
    }

    [Fact]
    public void ConditionAndEffectReadShort()
    {
        var delay = new SmtpFaultRule(SmtpFaultStage.Helo, SmtpFaultAction.Delay) { Delay = TimeSpan.FromMilliseconds(300), MaxDelay = TimeSpan.FromSeconds(2) };
        Assert.Equal("wait 0.3 s to 00:00:02", delay.Effect);
        Assert.Equal("any", delay.Condition);
        var limit = new SmtpFaultRule(SmtpFaultStage.Mail, SmtpFaultAction.RateLimit) { RateLimit = 3, Window = TimeSpan.FromSeconds(1.5), Sender = "a@*", Probability = 0.5, Seed = 7 };
        Rules(limit);
        Assert.Equal("3 per 1.5 s per client, then 451", limit.Effect);
        Assert.Equal("from a@*; p=0.5 seed 7", limit.Condition);
        Assert.Equal("451 4.7.1 Rate limit exceeded (3 per 1.5 s), try again later", limit.Reply!.ToString());
    }

    [Fact]
    public async Task ConcurrentSessionsShareOneRateLimitExactly()
    {
        var rule = new SmtpFaultRule(SmtpFaultStage.Mail, SmtpFaultAction.RateLimit) { RateLimit = 50, Window = TimeSpan.FromHours(1) };
        var rules = Rules(rule);
        var codes = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
        {
            var session = NewSession(new MemoryBackend(), rules);
            await session.ExecuteAsync(SmtpCommandParser.Parse("EHLO c"u8.ToArray()));
            // Rules come and go meanwhile: readers never see a half-changed list.
            if (i % 10 == 0) rules.Remove(rules.Add(new SmtpFaultRule(SmtpFaultStage.Helo, SmtpFaultAction.Delay)));
            return (await session.ExecuteAsync(SmtpCommandParser.Parse("MAIL FROM:<a@b.test>"u8.ToArray()))).Reply!.Code;
        })));
        Assert.Equal(50, codes.Count(c => c == 250));
        Assert.Equal(350, codes.Count(c => c == 451));
        Assert.Equal(350, rule.Hits);
        Assert.Equal(400, rule.Matches);
    }
}
