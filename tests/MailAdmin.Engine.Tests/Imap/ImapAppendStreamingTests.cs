using System.Buffers;
using System.Text;
using MailAdmin.Engine.Tests.Store;
using MailAdmin.Protocols.Imap;
using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Imap;

/// <summary>
/// APPEND's message literal goes to a store incoming message as it arrives (ImapCommandReader.AppendSink),
/// never into a command-sized array; other literals stay in memory; a refused or unfinished command
/// discards what was written.
/// </summary>
public sealed class ImapAppendStreamingTests : IDisposable
{
    private readonly TempDirectory root = new();

    public void Dispose() => root.Dispose();

    private string[] IncomingFiles()
    {
        var dir = Path.Combine(root.Path, ".incoming");
        return Directory.Exists(dir) ? Directory.GetFiles(dir) : Array.Empty<string>();
    }

    /// <summary>Feeds <paramref name="input"/> in chunks of <paramref name="chunk"/> bytes; returns the results that were not NeedMore.</summary>
    private static List<ImapReadResult> Feed(ImapCommandReader reader, byte[] input, int chunk)
    {
        var results = new List<ImapReadResult>();
        var pending = Array.Empty<byte>();
        for (int i = 0; i < input.Length; i += chunk)
        {
            pending = pending.Concat(input.Skip(i).Take(chunk)).ToArray();
            var seq = new ReadOnlySequence<byte>(pending);
            while (true)
            {
                var r = reader.TryRead(ref seq);
                if (r.Status == ImapReadStatus.NeedMore) break;
                results.Add(r);
            }
            pending = seq.ToArray();
        }
        return results;
    }

    private static byte[] Message(int lines)
    {
        var sb = new StringBuilder("Subject: appended\r\n\r\n");
        for (int i = 0; i < lines; i++) sb.Append("line ").Append(i).Append("\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(13, false)]
    [InlineData(100_000, false)]
    [InlineData(13, true)]
    public async Task The_append_literal_streams_to_the_store_byte_exact(int chunk, bool nonSync)
    {
        using var store = new MaildirStore(root.Path, 1000);
        await store.Accounts.AddAsync("alice@example.com", "pw");
        var message = Message(chunk == 1 ? 200 : 20_000);
        var reader = new ImapCommandReader { AppendSink = store.CreateIncomingMessage };
        var input = Encoding.ASCII.GetBytes("a APPEND INBOX (\\Seen) {" + message.Length + (nonSync ? "+" : "") + "}\r\n")
            .Concat(message).Concat(Encoding.ASCII.GetBytes("\r\nb NOOP\r\n")).ToArray();
        var results = Feed(reader, input, chunk);
        var commands = results.Where(r => r.Status == ImapReadStatus.Command).Select(r => r.Command!).ToList();
        Assert.Equal(nonSync ? 0 : 1, results.Count(r => r.Status == ImapReadStatus.Continue));
        Assert.Equal(new[] { "APPEND", "NOOP" }, commands.Select(c => c.Name));
        var literal = commands[0].Arguments[2];
        Assert.Equal(ImapTokenKind.Literal, literal.Kind);
        Assert.Null(literal.Bytes);
        Assert.NotNull(literal.Message);
        Assert.Equal(message.Length, literal.Message!.Length);
        var stored = await store.DeliverAsync("alice@example.com", "INBOX", literal.Message, MessageFlags.Seen, DateTimeOffset.UtcNow);
        literal.Message.Dispose();
        Assert.Equal(message, await store.ReadMessageAsync("alice@example.com", "INBOX", stored.Uid));
        Assert.Empty(IncomingFiles());
    }

    [Fact]
    public void Other_literals_stay_in_memory()
    {
        using var store = new MaildirStore(root.Path, 1000);
        var reader = new ImapCommandReader { AppendSink = store.CreateIncomingMessage };
        var results = Feed(reader, Encoding.ASCII.GetBytes("a LOGIN {5}\r\nalice {2}\r\npw\r\n"), 3);
        var command = Assert.Single(results, r => r.Status == ImapReadStatus.Command).Command!;
        Assert.Equal("alice", Encoding.ASCII.GetString(command.Arguments[0].Bytes!));
        Assert.Null(command.Arguments[0].Message);
        Assert.Empty(IncomingFiles());
    }

    [Fact]
    public void An_unfinished_or_bad_append_discards_its_file()
    {
        using var store = new MaildirStore(root.Path, 1000);
        var reader = new ImapCommandReader { AppendSink = store.CreateIncomingMessage };
        // A bad command around the literal: the tokenizer refuses it, and the streamed message goes.
        var bad = Feed(reader, Encoding.ASCII.GetBytes("a APPEND INBOX ((( {3+}\r\nabc\r\n"), 4);
        Assert.Equal(ImapReadStatus.Error, Assert.Single(bad).Status);
        Assert.Empty(IncomingFiles());
        // A literal cut off: Reset (what the connection does at its end, through the session) discards it.
        Feed(reader, Encoding.ASCII.GetBytes("b APPEND INBOX {1000+}\r\nonly part"), 5);
        Assert.Single(IncomingFiles());
        reader.Reset();
        Assert.Empty(IncomingFiles());
    }
}
