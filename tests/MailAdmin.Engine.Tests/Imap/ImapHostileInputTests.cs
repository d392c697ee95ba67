using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using MailAdmin.Protocols.Imap;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// Inputs found by attacking a running server (issue 11 §7) and by the fuzzer: each must get a
/// prompt, well-formed answer and leave the session usable.
/// </summary>
public class ImapHostileInputTests
{
    // ------------------------------------------------------------ LIST patterns (RFC 3501 §6.3.8)

    [Theory]
    [InlineData("*", "a.b.c", true)]
    [InlineData("%", "a.b", false)]
    [InlineData("%", "a", true)]
    [InlineData("a.%", "a.b", true)]
    [InlineData("a.%", "a.b.c", false)]
    [InlineData("a.*", "a.b.c", true)]
    [InlineData("a*", "a", true)]
    [InlineData("a%", "a", true)]
    [InlineData("%.c", "a.b.c", false)]
    [InlineData("*.c", "a.b.c", true)]
    [InlineData("%.%.c", "a.b.c", true)]
    [InlineData("a%b", "a.b", false)]
    [InlineData("a*b", "a.b", true)]
    [InlineData("Lists.%", "Lists.dotnet", true)]
    [InlineData("lists.%", "Lists.dotnet", false)]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("a", "", false)]
    [InlineData("%%%", "", true)]
    [InlineData("x%y*z", "xAy.b.z", true)]
    [InlineData("x%y*z", "x.y.z", false)]
    public void ListPatternFollowsRfc3501(string pattern, string name, bool expected)
    {
        Assert.Equal(expected, ImapListPattern.IsMatch(pattern, name, '.'));
    }

    [Fact]
    public void ListPatternInboxIsCaseInsensitiveOnlyWhenAsked()
    {
        Assert.False(ImapListPattern.IsMatch("inBOX", "INBOX", '.'));
        Assert.True(ImapListPattern.IsMatch("inBOX", "INBOX", '.', ignoreCase: true));
        Assert.True(ImapListPattern.IsMatch("in%", "INBOX", '.', ignoreCase: true));
    }

    /// <summary>The backtracking regex the matcher replaced is the oracle for small patterns, where it is fast.</summary>
    [Fact]
    public void ListPatternAgreesWithARegexOnRandomSmallPatterns()
    {
        var random = new Random(311);
        const string patternAlphabet = "ab.*%";
        const string nameAlphabet = "ab.";
        for (int round = 0; round < 20_000; round++)
        {
            var pattern = new string(Enumerable.Range(0, random.Next(0, 7)).Select(_ => patternAlphabet[random.Next(patternAlphabet.Length)]).ToArray());
            var name = new string(Enumerable.Range(0, random.Next(0, 8)).Select(_ => nameAlphabet[random.Next(nameAlphabet.Length)]).ToArray());
            var regex = "^" + string.Concat(pattern.Select(c => c == '*' ? ".*" : c == '%' ? "[^.]*" : Regex.Escape(c.ToString()))) + @"\z";
            bool expected = Regex.IsMatch(name, regex, RegexOptions.Singleline);
            Assert.True(expected == ImapListPattern.IsMatch(pattern, name, '.'), $"pattern '{pattern}' name '{name}': expected {expected}");
        }
    }

    [Fact]
    public void ListPatternWithManyWildcardsIsFast()
    {
        var name = "Projects.Customer-Correspondence-2023" + string.Concat(Enumerable.Repeat(".Sub-Folder-Name", 10));
        var pattern = string.Concat(Enumerable.Repeat("*%", 20)) + "x";   // 40 wildcards, no match
        var worst = TimeSpan.Zero;
        for (int i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            Assert.False(ImapListPattern.IsMatch(pattern, name, '.'));
            Assert.True(ImapListPattern.IsMatch(pattern + "*", name + "x", '.'));
            worst = sw.Elapsed > worst ? sw.Elapsed : worst;
        }
        // A backtracking matcher takes seconds with 8 wildcards and years with 40.
        Assert.True(worst < TimeSpan.FromMilliseconds(200), "took " + worst.TotalMilliseconds + " ms");
        // A huge pattern is no worse: its literal characters alone rule the name out.
        var huge = string.Concat(Enumerable.Repeat("%a", 30_000));
        var sw2 = Stopwatch.StartNew();
        Assert.False(ImapListPattern.IsMatch(huge, name, '.'));
        Assert.True(sw2.Elapsed < TimeSpan.FromMilliseconds(200), "took " + sw2.Elapsed.TotalMilliseconds + " ms");
    }

    [Fact]
    public async Task ListWithManyWildcardsAnswersPromptlyOverTheWire()
    {
        await using var s = await ImapTestServer.StartAsync();
        await using var c = await s.ConnectAsync(login: true);
        await c.OkAsync("CREATE Projects.Customer-Correspondence-2023");
        foreach (var pattern in new[] { "*%*%*%*%q", string.Concat(Enumerable.Repeat("*%", 20)) + "q", string.Concat(Enumerable.Repeat("*%", 20)) + "3" })
        {
            var sw = Stopwatch.StartNew();
            var lines = await c.OkAsync("LIST \"\" \"" + pattern + "\"");
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), pattern + " took " + sw.Elapsed);
            if (pattern.EndsWith("3")) Assert.Contains("* LIST (\\HasNoChildren) \".\" \"Projects.Customer-Correspondence-2023\"", lines);
            else Assert.Single(lines);
        }
        // the RFC's own shapes still work
        Assert.Contains(await c.OkAsync("LIST \"\" %"), l => l.EndsWith("\"Projects\""));
        Assert.Contains(await c.OkAsync("LIST Projects. %"), l => l.EndsWith("\"Projects.Customer-Correspondence-2023\""));
        Assert.Contains("* LIST (\\HasNoChildren) \".\" \"INBOX\"", await c.OkAsync("LIST \"\" inB%"));
    }

    // ------------------------------------------------------------ tokenizer: an atom ending a segment

    [Theory]
    [InlineData("a NOOP x{1}\r\nx\r\n")]
    [InlineData("a NOOP{1}\r\nx\r\n")]
    [InlineData("a NOOP x{1+}\r\nx\r\n")]
    [InlineData("a LOGIN (x{1}\r\nx)\r\n")]
    [InlineData("a LOGIN x y{1}\r\nx z\r\n")]
    [InlineData("a SEARCH (SEEN x{2}\r\nab)\r\n")]
    [InlineData("a FETCH 1 BODY[x{1}\r\nx]\r\n")]
    public void AtomEndingBeforeALiteralIsATaggedBad(string input)
    {
        var data = Encoding.ASCII.GetBytes(input + "b NOOP\r\n");
        for (int cut = 0; cut <= data.Length; cut++)
        {
            var chunks = cut == 0 ? new[] { data } : new[] { data[..cut], data[cut..] };
            var results = ImapParserTests.Feed(new ImapCommandReader(), chunks).Where(r => r.Status != ImapReadStatus.Continue).ToList();
            Assert.Equal(2, results.Count);
            Assert.Equal(ImapReadStatus.Error, results[0].Status);
            Assert.Equal("a", results[0].Result.Tag);
            Assert.False(results[0].Result.Fatal);
            Assert.Equal("b", results[1].Result.Command!.Tag);
        }
        // one byte at a time, too
        var single = ImapParserTests.Feed(new ImapCommandReader(), data.Select(b => new[] { b })).Where(r => r.Status != ImapReadStatus.Continue).ToList();
        Assert.Equal(new[] { ImapReadStatus.Error, ImapReadStatus.Command }, single.Select(r => r.Status));
    }

    [Fact]
    public async Task AtomBeforeALiteralGetsBadAndKeepsTheSessionAndEarlierReplies()
    {
        await using var s = await ImapTestServer.StartAsync();
        // Before login, with a pipelined LOGIN whose reply is due before the bad command's.
        await using var c = await ImapRawClient.ConnectAsync(s.Port);
        await c.ReadLineAsync();
        await c.SendAsync("a LOGIN alice@example.com secret\r\nb NOOP x{1}\r\nx\r\nc NOOP\r\n");
        var lines = await c.ReadUntilTagAsync("c");
        Assert.Contains(lines, l => l.StartsWith("a OK", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("b BAD", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("BYE"));
        Assert.StartsWith("c OK", lines[^1]);
        await c.OkAsync("SELECT INBOX");

        // Byte by byte, unauthenticated.
        await using var d = await ImapRawClient.ConnectAsync(s.Port);
        await d.ReadLineAsync();
        foreach (var b in Encoding.ASCII.GetBytes("b NOOP{1}\r\nx\r\n")) await d.SendBytesAsync(new[] { b });
        var bad = await d.ReadUntilTagAsync("b");
        Assert.StartsWith("b BAD", bad[^1]);
        await d.OkAsync("NOOP");
    }
}
