using System.Diagnostics;
using System.Text;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>
/// The real Dovecot on the same Maildir: it sees the keywords our store wrote, on the same messages, and we read
/// the ones it sets. Dovecot's imap binary runs in preauth mode (commands on stdin), with its index elsewhere.
/// </summary>
public sealed class DovecotKeywordInteropTests : IDisposable
{
    private const string DovecotImap = "/usr/lib/dovecot/imap";
    private const string Alice = "alice@example.com";
    private static readonly DateTimeOffset Date = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private readonly TempDirectory work = new();

    public void Dispose() => work.Dispose();

    private sealed class DovecotFactAttribute : FactAttribute
    {
        public DovecotFactAttribute()
        {
            if (!File.Exists(DovecotImap)) Skip = DovecotImap + " is not installed (Debian package dovecot-imapd)";
        }
    }

    private static byte[] Msg(string subject) => Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\nbody\r\n");

    [DovecotFact]
    public async Task Dovecot_sees_our_keywords_and_we_see_its()
    {
        var root = Path.Combine(work.Path, "store");
        var ours = new Dictionary<string, IReadOnlyList<string>>();
        uint uid2;
        using (var store = new MaildirStore(root, 1000))
        {
            await store.Accounts.AddAsync(Alice, "pw");
            await store.AppendAsync(Alice, "INBOX", Msg("msg1"), MessageFlags.Seen, new[] { "Junk", "$Label1" }, Date);
            var m2 = await store.AppendAsync(Alice, "INBOX", Msg("msg2"), MessageFlags.Seen, new[] { "Work" }, Date);
            var m3 = await store.AppendAsync(Alice, "INBOX", Msg("msg3"), MessageFlags.None, Date);
            await store.UpdateFlagsAsync(Alice, "INBOX", new[] { m3.Uid }, new FlagUpdate(MessageFlags.None, new[] { "$Forwarded", "junk" }, FlagChange.Add));
            foreach (var m in store.ListMessages(Alice, "INBOX")) ours[Subject(store.ReadMessageAsync(Alice, "INBOX", m.Uid).Result)] = m.Keywords;
            uid2 = m2.Uid;
        }

        var output = RunDovecot(store: root, "a SELECT INBOX",
            "b FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
            "c SEARCH RETURN (SAVE) SUBJECT msg2",
            "d STORE $ +FLAGS (FromDovecot)",
            "e STORE $ -FLAGS (Work)",
            "f LOGOUT");
        Assert.Contains("b OK", output);
        Assert.Contains("e OK", output);
        var theirs = ParseFetch(output);
        Assert.Equal(ours.Keys.OrderBy(k => k), theirs.Keys.OrderBy(k => k));
        foreach (var (subject, keywords) in ours)
            Assert.Equal(keywords.OrderBy(k => k, StringComparer.Ordinal), theirs[subject].OrderBy(k => k, StringComparer.Ordinal));

        using (var reopened = new MaildirStore(root, 1000))
        {
            var m2 = reopened.GetMessage(Alice, "INBOX", uid2)!;
            Assert.Equal(new[] { "FromDovecot" }, m2.Keywords);
            Assert.Equal(MessageFlags.Seen, m2.Flags);
            Assert.Contains("FromDovecot", reopened.GetFolderStatus(Alice, "INBOX").Keywords);
        }
    }

    private static string Subject(byte[] message)
    {
        var first = Encoding.ASCII.GetString(message).Split("\r\n")[0];
        return first.Substring("Subject: ".Length);
    }

    /// <summary>Subject → keywords, from "* n FETCH (FLAGS (...) BODY[...] {k}" followed by "Subject: ..." lines.</summary>
    private static Dictionary<string, string[]> ParseFetch(string output)
    {
        var result = new Dictionary<string, string[]>();
        string[]? flags = null;
        foreach (var line in output.Split("\r\n"))
        {
            var at = line.IndexOf(" FETCH (FLAGS (", StringComparison.Ordinal);
            if (line.StartsWith("* ", StringComparison.Ordinal) && at > 0)
            {
                var start = at + " FETCH (FLAGS (".Length;
                flags = line.Substring(start, line.IndexOf(')', start) - start).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
            else if (flags != null && line.StartsWith("Subject: ", StringComparison.Ordinal))
            {
                result[line.Substring("Subject: ".Length)] = flags.Where(f => !f.StartsWith('\\')).ToArray();
                flags = null;
            }
        }
        return result;
    }

    /// <summary>Runs Dovecot's imap in preauth mode on the account's Maildir and returns what it answered.</summary>
    private string RunDovecot(string store, params string[] commands)
    {
        var maildir = Path.Combine(store, "alice@example.com");
        var home = Path.Combine(work.Path, "dovecot");
        Directory.CreateDirectory(Path.Combine(home, "index"));
        // Dovecot will not run mail access as root: then it runs as "mail", which must own the files.
        var asRoot = Run("id", "-u").Trim() == "0";
        var uid = asRoot ? Run("id", "-u mail").Trim() : Run("id", "-u").Trim();
        var gid = asRoot ? Run("id", "-g mail").Trim() : Run("id", "-g").Trim();
        var config = Path.Combine(home, "dovecot.conf");
        File.WriteAllText(config,
            $"mail_location = maildir:{maildir}:INDEX={home}/index\n" +
            $"log_path = {home}/dovecot.log\n" +
            "ssl = no\n" +
            $"mail_uid = {uid}\nmail_gid = {gid}\nfirst_valid_uid = 0\nfirst_valid_gid = 0\n");
        if (asRoot) Run("chown", $"-R mail:mail {work.Path}");
        var start = new ProcessStartInfo(DovecotImap, $"-c {config}")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Clear();
        start.Environment["USER"] = asRoot ? "mail" : Environment.UserName;
        start.Environment["HOME"] = home;
        start.Environment["PATH"] = "/usr/bin:/bin";
        using var process = Process.Start(start)!;
        foreach (var command in commands) process.StandardInput.Write(command + "\r\n");
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            Assert.Fail("Dovecot's imap did not finish in 30 s");
        }
        Assert.True(process.ExitCode == 0, $"dovecot imap exited {process.ExitCode}: {stderr.Result}");
        return output.Result;
    }

    private static string Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {arguments} exited {process.ExitCode}");
        return text;
    }
}
