using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using MailAdmin.Hosting;
using MailAdmin.Store;

namespace MailAdmin.Delivery;

/// <summary>
/// The message trace as a file: one JSON object per line, appended as events happen, read
/// newest first by walking the file backwards in blocks (a query never holds more than a block,
/// one line and its matches, however big the file grows). Survives restarts: a server started
/// again on the same store or log path appends to the same file.
/// </summary>
/// <remarks>
/// Each event is flushed to the operating system at once, so a crash of the process (kill -9)
/// loses nothing; it is not fsynced, because the trace is a diagnostic record, not the source
/// of truth: the queue and the mailboxes fsync their own state before any 250, and an fsync per
/// event would add one or more disk syncs to every message for a record that only a power
/// failure could shorten.
/// </remarks>
internal sealed class JsonLinesMessageTrace : IMessageTrace, IDisposable
{
    /// <summary>The trace's file name in a store root: a file without '@', which no account directory can be.</summary>
    public const string StoreFileName = "message-trace.jsonl";

    private const int BlockSize = 64 * 1024;
    /// <summary>A line longer than this is not ours (a damaged file): skipped rather than held in memory.</summary>
    private const int MaxLineBytes = 1024 * 1024;

    private static readonly UTF8Encoding Utf8 = new(false);
    private readonly object _gate = new();
    private FileStream? _file;

    public JsonLinesMessageTrace(string path)
    {
        FilePath = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(FilePath);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        _file = new FileStream(FilePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        // A crash in the middle of a line leaves it without its newline: end it, so the next event starts clean.
        if (_file.Length > 0 && LastByte(FilePath) != (byte)'\n')
        {
            _file.WriteByte((byte)'\n');
            _file.Flush();
        }
    }

    public string FilePath { get; }

    /// <summary>
    /// Where a server's trace lives: next to its -LogPath ("lab.log" → "lab.trace.jsonl"), else in its
    /// store root; null for an in-memory server without a log (its trace stays in memory).
    /// </summary>
    public static string? PathFor(MailServerOptions options)
    {
        if (!string.IsNullOrEmpty(options.LogPath))
        {
            var log = Path.GetFullPath(options.LogPath);
            return Path.Combine(Path.GetDirectoryName(log) ?? ".", Path.GetFileNameWithoutExtension(log) + ".trace.jsonl");
        }
        return options.InMemory || string.IsNullOrEmpty(options.Path) ? null : Path.Combine(options.Path, StoreFileName);
    }

    public void Write(MessageTraceEvent traceEvent)
    {
        if (traceEvent == null) return;
        byte[] line;
        try { line = Utf8.GetBytes(Serialize(traceEvent) + "\n"); }
        catch (Exception) { return; } // never stop mail for the trace
        lock (_gate)
        {
            if (_file == null) return;
            try
            {
                _file.Write(line, 0, line.Length);
                _file.Flush();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ObjectDisposedException)
            {
                // A full disk or a removed file: the event is lost, mail goes on.
            }
        }
    }

    public IReadOnlyList<MessageTraceEvent> Query(MessageTraceQuery query)
    {
        var filter = new MessageTraceFilter(query);
        var result = new List<MessageTraceEvent>();
        if (!File.Exists(FilePath)) return result;
        foreach (var line in ReadLinesBackward(FilePath))
        {
            if (!filter.MayMatchLine(line)) continue;
            var e = TryParse(line);
            if (e == null) continue;
            if (filter.IsPastStart(e)) break;
            if (!filter.IsMatch(e)) continue;
            result.Add(e);
            if (result.Count >= filter.Limit) break;
        }
        return result;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Dispose();
            _file = null;
        }
    }

    private static byte LastByte(string path)
    {
        using var read = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        read.Seek(-1, SeekOrigin.End);
        return (byte)read.ReadByte();
    }

    /// <summary>The file's lines from last to first (UTF-8; '\n' never occurs inside a multi-byte character).</summary>
    internal static IEnumerable<string> ReadLinesBackward(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        long position = stream.Length; // what is appended while we read is newer than the query: left out
        var block = new byte[BlockSize];
        byte[] tail = new byte[0]; // the start of a line whose beginning is in an earlier block
        while (position > 0)
        {
            int size = (int)Math.Min(BlockSize, position);
            position -= size;
            stream.Seek(position, SeekOrigin.Begin);
            int read = 0;
            while (read < size)
            {
                int n = stream.Read(block, read, size - read);
                if (n == 0) yield break; // truncated under us
                read += n;
            }
            var data = new byte[size + tail.Length];
            Buffer.BlockCopy(block, 0, data, 0, size);
            Buffer.BlockCopy(tail, 0, data, size, tail.Length);
            int end = data.Length;
            for (int i = data.Length - 1; i >= 0; i--)
            {
                if (data[i] != (byte)'\n') continue;
                if (end - i - 1 > 0) yield return Utf8.GetString(data, i + 1, end - i - 1);
                end = i;
            }
            if (end > MaxLineBytes) end = 0; // not a trace line: drop it rather than grow
            tail = new byte[end];
            Buffer.BlockCopy(data, 0, tail, 0, end);
        }
        if (tail.Length > 0) yield return Utf8.GetString(tail);
    }

    internal static string Serialize(MessageTraceEvent e)
    {
        var sb = new StringBuilder(256).Append('{');
        sb.Append("\"Timestamp\":").Append(MiniJson.Quote(e.Timestamp.ToString("o", CultureInfo.InvariantCulture)));
        sb.Append(",\"Status\":").Append(MiniJson.Quote(e.Status.ToString()));
        Add(sb, "QueueId", e.QueueId);
        Add(sb, "MessageId", e.MessageId);
        Add(sb, "Sender", e.Sender);
        Add(sb, "Recipient", e.Recipient);
        Add(sb, "Subject", e.Subject);
        if (e.Size != 0) sb.Append(",\"Size\":").Append(e.Size.ToString(CultureInfo.InvariantCulture));
        Add(sb, "ClientAddress", e.ClientAddress);
        Add(sb, "Destination", e.Destination);
        Add(sb, "RemoteHost", e.RemoteHost);
        Add(sb, "Reply", e.Reply);
        Add(sb, "Detail", e.Detail);
        return sb.Append('}').ToString();
    }

    private static void Add(StringBuilder sb, string name, string? value)
    {
        if (value != null) sb.Append(",\"").Append(name).Append("\":").Append(MiniJson.Quote(value));
    }

    /// <summary>The event of one line, or null for a line that is not one (damaged, or from a newer version with other statuses).</summary>
    internal static MessageTraceEvent? TryParse(string line)
    {
        try
        {
            if (!(MiniJson.Parse(line) is Dictionary<string, object?> o)) return null;
            if (!(o.TryGetValue("Timestamp", out var ts) && ts is string stamp)) return null;
            if (!(o.TryGetValue("Status", out var st) && st is string status)) return null;
            if (!Enum.TryParse<MessageTraceStatus>(status, false, out var parsedStatus)) return null;
            return new MessageTraceEvent
            {
                Timestamp = DateTimeOffset.Parse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                Status = parsedStatus,
                QueueId = Text(o, "QueueId"),
                MessageId = Text(o, "MessageId"),
                Sender = Text(o, "Sender"),
                Recipient = Text(o, "Recipient"),
                Subject = Text(o, "Subject"),
                Size = o.TryGetValue("Size", out var size) && size is double d ? (long)d : 0,
                ClientAddress = Text(o, "ClientAddress"),
                Destination = Text(o, "Destination"),
                RemoteHost = Text(o, "RemoteHost"),
                Reply = Text(o, "Reply"),
                Detail = Text(o, "Detail"),
            };
        }
        catch (FormatException) { return null; }
    }

    private static string? Text(Dictionary<string, object?> o, string name) => o.TryGetValue(name, out var v) ? v as string : null;
}
