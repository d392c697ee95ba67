using System.Buffers;
using System.Text;
using MailAdmin.Protocols.Imap;
using MailAdmin.Store;

namespace MailAdmin.Fuzz;

/// <summary>
/// Whole commands against a logged-in IMAP session with INBOX selected (three messages, one of
/// them multipart): FETCH, SEARCH, STORE, LIST, COPY... as the connection would run them. The
/// session answers every command; an exception or a command that runs past AFL's time limit (as
/// the backtracking LIST patterns did) is a finding. A fresh in-memory store per input keeps runs
/// independent; at most 8 commands per input bound what COPY can multiply.
/// </summary>
internal static class ImapSessionTarget
{
    private const int MaxCommands = 8;
    // Replaying by hand, MAILADMIN_FUZZ_TRACE=1 shows the session's replies.
    private static readonly bool Trace = Environment.GetEnvironmentVariable("MAILADMIN_FUZZ_TRACE") == "1";
    private static readonly byte[][] Messages =
    {
        Encoding.UTF8.GetBytes("From: Carol <carol@example.org>\r\nTo: alice@example.com\r\nSubject: one\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nHello there.\r\n"),
        Encoding.UTF8.GetBytes("From: =?utf-8?q?J=C3=B6rg?= <jorg@example.org>\r\nTo: alice@example.com, bob@example.com\r\nCc: dave@example.net\r\nSubject: =?utf-8?b?w7xiZXI=?=\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody text\r\n--b\r\nContent-Type: application/octet-stream; name=a.bin\r\nContent-Disposition: attachment; filename=a.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--b--\r\n"),
        Encoding.UTF8.GetBytes("Subject: three\r\n\r\nshort\r\n"),
    };

    public static void Run(byte[] data) => RunAsync(data).GetAwaiter().GetResult();

    private static async Task RunAsync(byte[] data)
    {
        using var store = new InMemoryStore(1);
        await store.Accounts.AddAsync("alice@example.com", "secret");
        foreach (var m in Messages) await store.DeliverAsync("alice@example.com", "INBOX", m, DateTimeOffset.UnixEpoch.AddDays(20_000));
        var settings = new ImapSessionSettings { HostName = "imap.test", AllowInsecureAuth = true, AuthFailureDelay = TimeSpan.Zero, AppendLimit = 4096 };
        using var session = new ImapSession(settings, store, isSecure: true);
        session.FlushOutput = _ => { session.Output.SetLength(0); return Task.CompletedTask; };
        var reader = new ImapCommandReader(new ImapParserLimits { MaxLineLength = 4096, MaxAppendLiteral = 4096, MaxOtherLiteral = 1024, MaxLiterals = 4, MaxNestingDepth = 8 });

        var setup = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("s1 LOGIN alice@example.com secret\r\ns2 SELECT INBOX\r\n"));
        var input = new ReadOnlySequence<byte>(data.Concat(new byte[] { (byte)'\r', (byte)'\n' }).ToArray());
        int commands = 0;
        foreach (var part in new[] { setup, input })
        {
            var buffer = part;
            while (commands < MaxCommands + 2)
            {
                reader.AppendAllowed = session.State is ImapState.Authenticated or ImapState.Selected;
                var r = reader.TryRead(ref buffer);
                if (r.Status == ImapReadStatus.NeedMore) break;
                if (r.Status == ImapReadStatus.Continue) continue;
                var response = r.Status == ImapReadStatus.Error ? session.ReadError(r) : await session.ExecuteAsync(r.Command!, CancellationToken.None);
                commands++;
                while (response.Action is ImapAction.ReadSaslResponse or ImapAction.Idle)
                {
                    reader.TryReadLine(ref buffer, out var line);
                    response = response.Action == ImapAction.Idle
                        ? await session.EndIdleAsync(line ?? "DONE", CancellationToken.None)
                        : await session.ContinueAuthenticateAsync(line ?? "*", CancellationToken.None);
                }
                if (Trace) Console.Write(Encoding.UTF8.GetString(session.Output.GetBuffer(), 0, (int)session.Output.Length));
                session.Output.SetLength(0);
                if (response.Action is ImapAction.Close or ImapAction.StartTls) return;
            }
        }
    }
}
