using System.Net;
using System.Text;
using MailAdmin.Protocols.Sasl;
using Xunit;

namespace MailAdmin.Engine.Tests.Sasl;

public sealed class SaslMechanismTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static async Task<SaslAuthenticator> AuthAsync(IDictionary<string, string>? tokens = null, LoginPenalty? penalty = null)
        => new(new StoreCredentials(await SaslTestCredentials.StoreAsync(("ann@example.com", "pw"), ("bob@example.com", "pw2")), tokens), penalty);

    [Theory]
    [InlineData("\0ann@example.com\0pw", "ann@example.com")]
    [InlineData("ann@example.com\0ann@example.com\0pw", "ann@example.com")]
    [InlineData("ANN@Example.COM\0ann@example.com\0pw", "ann@example.com")]   // one identity rule: case-insensitive
    [InlineData("\0ANN@EXAMPLE.COM\0pw", "ann@example.com")]
    public async Task Plain_accepts_the_user_acting_as_itself(string message, string account)
    {
        var step = await (await AuthAsync()).Start("PLAIN", null)!.StartAsync(B64(message), default);
        Assert.Equal(account, step.Account);
    }

    [Theory]
    [InlineData("bob@example.com\0ann@example.com\0pw", SaslFailure.Authorization)]
    [InlineData("\0ann@example.com\0wrong", SaslFailure.Credentials)]
    [InlineData("\0nobody@example.com\0pw", SaslFailure.Credentials)]
    [InlineData("\0\0pw", SaslFailure.Malformed)]
    [InlineData("ann@example.com\0pw", SaslFailure.Malformed)]
    [InlineData("a\0b\0c\0d", SaslFailure.Malformed)]
    public async Task Plain_refuses(string message, SaslFailure failure)
    {
        var step = await (await AuthAsync()).Start("plain", null)!.StartAsync(B64(message), default);
        Assert.Equal(failure, step.Failure);
    }

    [Fact]
    public async Task Plain_without_initial_response_and_invalid_utf8()
    {
        var x = (await AuthAsync()).Start("PLAIN", null)!;
        var first = await x.StartAsync(null, default);
        Assert.Equal("", first.ChallengeBase64);
        var step = await x.ContinueAsync(Convert.ToBase64String(new byte[] { 0, 0xff, 0xfe, 0, 0x41 }), default);
        Assert.Equal(SaslFailure.Malformed, step.Failure);
    }

    [Fact]
    public async Task Login_prompts_for_user_and_password()
    {
        var x = (await AuthAsync()).Start("LOGIN", null)!;
        Assert.Equal("Username:", Encoding.ASCII.GetString((await x.StartAsync(null, default)).Challenge!));
        Assert.Equal("Password:", Encoding.ASCII.GetString((await x.ContinueAsync(B64("ann@example.com"), default)).Challenge!));
        Assert.Equal("ann@example.com", (await x.ContinueAsync(B64("pw"), default)).Account);
    }

    [Fact]
    public async Task XOAuth2_and_OAuthBearer()
    {
        var auth = await AuthAsync(new Dictionary<string, string> { ["ann@example.com"] = "tok" });
        Assert.Contains("OAUTHBEARER", auth.Mechanisms);
        Assert.Equal("ann@example.com", (await auth.Start("XOAUTH2", null)!.StartAsync(B64("user=ann@example.com\u0001auth=Bearer tok\u0001\u0001"), default)).Account);
        Assert.Equal(SaslFailure.Credentials, (await auth.Start("XOAUTH2", null)!.StartAsync(B64("user=ann@example.com\u0001auth=Bearer nope\u0001\u0001"), default)).Failure);
        Assert.Equal("ann@example.com", (await auth.Start("OAUTHBEARER", null)!.StartAsync(B64("n,a=ann@example.com,\u0001host=x\u0001port=1\u0001auth=Bearer tok\u0001\u0001"), default)).Account);
        // RFC 7628 §3.2.2: an error challenge, the client's ^A, then the failure.
        var x = auth.Start("OAUTHBEARER", null)!;
        var error = await x.StartAsync(B64("n,a=ann@example.com,\u0001auth=Bearer nope\u0001\u0001"), default);
        Assert.Contains("invalid_token", Encoding.ASCII.GetString(error.Challenge!));
        Assert.Equal(SaslFailure.Credentials, (await x.ContinueAsync(B64("\u0001"), default)).Failure);
        Assert.Equal(SaslFailure.Malformed, (await auth.Start("OAUTHBEARER", null)!.StartAsync(B64("n,,\u0001auth=Bearer tok\u0001\u0001"), default)).Failure);
        Assert.Equal(SaslFailure.Malformed, (await auth.Start("OAUTHBEARER", null)!.StartAsync(B64("p=x,a=ann@example.com,\u0001auth=Bearer tok\u0001\u0001"), default)).Failure);
    }

    [Fact]
    public async Task Penalty_grows_per_address_and_leaves_other_addresses_alone()
    {
        Assert.Equal(new[] { 0, 2, 4, 8, 15, 15 }, Enumerable.Range(0, 6).Select(n => (int)new LoginPenalty().DelayAfter(n).TotalSeconds));
        var penalty = new LoginPenalty(TimeSpan.FromMilliseconds(1000), TimeSpan.FromMilliseconds(1500));
        Assert.Equal(new[] { 0, 1000, 1500, 1500 }, Enumerable.Range(0, 4).Select(n => (int)penalty.DelayAfter(n).TotalMilliseconds));
        var auth = await AuthAsync(penalty: penalty);
        var bad = IPAddress.Parse("127.0.0.1");
        var good = IPAddress.Parse("127.0.0.2");
        Assert.Null(await auth.LoginAsync(bad, "ann@example.com", "wrong", default));
        Assert.Null(await auth.LoginAsync(bad, "ann@example.com", "wrong", default));
        Assert.Equal(2, penalty.Failures(bad));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("ann@example.com", await auth.LoginAsync(good, "ann@example.com", "pw", default));
        // (A PBKDF2 of 4096 iterations on a busy machine, but no penalty.)
        Assert.True(watch.ElapsedMilliseconds < 900, $"another address waited {watch.ElapsedMilliseconds} ms");
        var sinceFailure = watch.Elapsed;
        watch.Restart();
        Assert.Equal("ann@example.com", await auth.LoginAsync(bad, "ann@example.com", "pw", default));
        Assert.True(watch.Elapsed + sinceFailure >= TimeSpan.FromMilliseconds(1400), $"the penalised address waited only {watch.ElapsedMilliseconds} ms");
        Assert.Equal(0, penalty.Failures(bad));   // a success clears it
        // SASL failures count too, and IPv6 addresses count per /64.
        var v6a = IPAddress.Parse("2001:db8::1");
        Assert.Equal(SaslFailure.Credentials, (await auth.Start("PLAIN", v6a)!.StartAsync(B64("\0ann@example.com\0x"), default)).Failure);
        Assert.Equal(1, penalty.Failures(IPAddress.Parse("2001:db8::ffff")));
        Assert.Equal(0, penalty.Failures(IPAddress.Parse("2001:db8:0:1::1")));
    }

    [Fact]
    public async Task Penalty_also_holds_for_a_response_sent_after_the_first_prompt()
    {
        var penalty = new LoginPenalty(TimeSpan.FromMilliseconds(1000), TimeSpan.FromMilliseconds(1000));
        var auth = await AuthAsync(penalty: penalty);
        var bad = IPAddress.Parse("127.0.0.9");
        Assert.Null(await auth.LoginAsync(bad, "ann@example.com", "wrong", default));
        var x = auth.Start("PLAIN", bad)!;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.True((await x.StartAsync(null, default)).IsChallenge);   // the prompt decides nothing: no wait
        Assert.True(watch.ElapsedMilliseconds < 500);
        Assert.Equal(SaslFailure.Credentials, (await x.ContinueAsync(B64("\0ann@example.com\0wrong"), default)).Failure);
        Assert.True(watch.ElapsedMilliseconds >= 900, $"waited {watch.ElapsedMilliseconds} ms");
        Assert.Equal(2, penalty.Failures(bad));
    }

    [Fact]
    public async Task Penalised_attempts_pass_one_at_a_time()
    {
        var penalty = new LoginPenalty(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300));
        var auth = await AuthAsync(penalty: penalty);
        var bad = IPAddress.Parse("127.0.0.1");
        Assert.Null(await auth.LoginAsync(bad, "ann@example.com", "wrong", default));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => auth.LoginAsync(bad, "ann@example.com", "wrong", default)));
        // Four attempts at 300 ms spacing cannot all be done before ~1.2 s.
        Assert.True(watch.ElapsedMilliseconds >= 1100, $"4 penalised attempts took {watch.ElapsedMilliseconds} ms");
    }
}
