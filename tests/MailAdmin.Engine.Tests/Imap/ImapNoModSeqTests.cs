using System.Buffers;
using System.Reflection;
using System.Text;
using MailAdmin.Protocols.Imap;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// A store that keeps no mod-sequences (FolderStatus.HighestModSeq 0, as the contract allows): SELECT says
/// [NOMODSEQ] and the CONDSTORE commands are BAD (RFC 7162 §3.1.2.2). The session is driven directly.
/// </summary>
public class ImapNoModSeqTests
{
    /// <summary>Passes every call to an in-memory store, and hides its mod-sequences.</summary>
    public class NoModSeqStore : DispatchProxy
    {
        internal IMailStore Inner = null!;

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            object? result;
            try { result = method!.Invoke(Inner, args); }
            catch (TargetInvocationException e) when (e.InnerException != null) { throw e.InnerException; }
            if (result is FolderStatus s)
                return new FolderStatus(s.Name, s.UidValidity, s.UidNext, s.Count, s.Unseen, s.Recent, s.Size, 0, s.Keywords, s.CanCreateKeywords);
            return result;
        }

        public static IMailStore Wrap(IMailStore inner)
        {
            var proxy = Create<IMailStore, NoModSeqStore>();
            ((NoModSeqStore)(object)proxy).Inner = inner;
            return proxy;
        }
    }

    private static async Task<List<string>> RunAsync(ImapSession session, ImapCommandReader reader, string line)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line + "\r\n"));
        var r = reader.TryRead(ref buffer);
        Assert.Equal(ImapReadStatus.Command, r.Status);
        await session.ExecuteAsync(r.Command!, CancellationToken.None);
        var text = Encoding.UTF8.GetString(session.Output.ToArray());
        session.Output.SetLength(0);
        return text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [Fact]
    public async Task SelectSaysNoModSeqAndModSeqCommandsAreBad()
    {
        using var inner = new InMemoryStore(1000);
        await inner.Accounts.AddAsync(ImapTestServer.Alice, ImapTestServer.Password);
        await inner.DeliverAsync(ImapTestServer.Alice, "INBOX", ImapTestServer.Message("one"), DateTimeOffset.UtcNow);
        using var session = new ImapSession(new ImapSessionSettings { AllowInsecureAuth = true, AuthFailureDelay = TimeSpan.Zero }, NoModSeqStore.Wrap(inner), false);
        var reader = new ImapCommandReader();
        Assert.Contains(" OK ", (await RunAsync(session, reader, $"a LOGIN {ImapTestServer.Alice} {ImapTestServer.Password}"))[^1]);

        var select = await RunAsync(session, reader, "b SELECT INBOX (CONDSTORE)");
        Assert.Contains(select, l => l.StartsWith("* OK [NOMODSEQ]", StringComparison.Ordinal));
        Assert.DoesNotContain(select, l => l.Contains("HIGHESTMODSEQ"));
        Assert.StartsWith("c BAD", (await RunAsync(session, reader, "c FETCH 1 (FLAGS MODSEQ)"))[^1]);
        Assert.StartsWith("d BAD", (await RunAsync(session, reader, "d FETCH 1 FLAGS (CHANGEDSINCE 1)"))[^1]);
        Assert.StartsWith("e BAD", (await RunAsync(session, reader, "e STORE 1 (UNCHANGEDSINCE 5) +FLAGS (\\Seen)"))[^1]);
        Assert.StartsWith("f BAD", (await RunAsync(session, reader, "f SEARCH MODSEQ 1"))[^1]);
        Assert.Equal(MessageFlags.None, inner.ListMessages(ImapTestServer.Alice, "INBOX")[0].Flags);
        // Plain STORE works, and its FETCH carries no MODSEQ.
        var store = await RunAsync(session, reader, "g STORE 1 +FLAGS (\\Seen)");
        Assert.Equal("* 1 FETCH (FLAGS (\\Seen \\Recent))", store[0]);
        Assert.StartsWith("g OK", store[^1]);
    }
}
