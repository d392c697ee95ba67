using System;
using System.Collections.Generic;
using System.IO;

namespace MailAdmin.Messages;

/// <summary>One result of reading a file: a message, or the reason one entry could not be read.</summary>
public sealed class MessageReadResult
{
    private MessageReadResult(MailMessage? message, MessageFormatException? error, string source)
    {
        Message = message;
        Error = error;
        Source = source;
    }

    public MailMessage? Message { get; }
    public MessageFormatException? Error { get; }
    /// <summary>The file, or file#index for an mbox entry.</summary>
    public string Source { get; }

    public static MessageReadResult Ok(MailMessage message, string source) => new MessageReadResult(message, null, source);
    public static MessageReadResult Failed(MessageFormatException error, string source) => new MessageReadResult(null, error, source);
}

/// <summary>Reads .eml and mbox files, and writes them.</summary>
public static class MessageFiles
{
    private static readonly string[] MboxExtensions = { ".mbox", ".mbx", ".mbs" };

    /// <summary>
    /// Reads every message of a file: one for an .eml, each entry for an mbox (streamed).
    /// The format is sniffed from the first bytes, so an mbox without the extension works too.
    /// </summary>
    /// <param name="progress">Called with (bytes read, file length) after each mbox message.</param>
    public static IEnumerable<MessageReadResult> Read(string path, Action<long, long>? progress = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        var head = new byte[5];
        int got = ReadAtLeast(stream, head);
        stream.Position = 0;

        bool isMbox = MboxReader.LooksLikeMbox(head.AsSpan(0, got));
        if (!isMbox && HasMboxExtension(path) && got > 0)
        {
            yield return MessageReadResult.Failed(new MessageFormatException("The file has an mbox extension but does not begin with an mbox 'From ' line."), path);
            yield break;
        }
        if (!isMbox)
        {
            yield return ReadEml(stream, path);
            yield break;
        }

        var reader = new MboxReader(stream);
        long length = stream.Length;
        foreach (var entry in reader.ReadMessages())
        {
            var source = $"{path}#{entry.Index}";
            MessageReadResult result;
            try
            {
                var origin = new MboxOrigin(path, entry.Index, entry.Offset, entry.EnvelopeSender, entry.FromLine);
                result = MessageReadResult.Ok(MailMessage.FromBytes(entry.Content, origin), source);
            }
            catch (MessageFormatException ex)
            {
                result = MessageReadResult.Failed(ex, source);
            }
            progress?.Invoke(reader.Position, length);
            yield return result;
        }
    }

    private static MessageReadResult ReadEml(Stream stream, string path)
    {
        var raw = new byte[stream.Length];
        ReadAtLeast(stream, raw);
        try
        {
            return MessageReadResult.Ok(MailMessage.FromBytes(raw, new MessageOrigin(path)), path);
        }
        catch (MessageFormatException ex)
        {
            return MessageReadResult.Failed(ex, path);
        }
    }

    /// <summary>Writes the message's bytes unchanged to an .eml file, flushed to disk.</summary>
    public static void WriteEml(string path, MailMessage message, bool overwrite)
    {
        var raw = message.RawBytes; // fetches a body still on the server before the file is created
        var stream = new FileStream(path, overwrite ? FileMode.Create : FileMode.CreateNew, FileAccess.Write, FileShare.None);
        try
        {
            stream.Write(raw, 0, raw.Length);
            stream.Flush(flushToDisk: true);
            stream.Dispose();
        }
        catch (Exception)
        {
            // A failed write (disk full) leaves no partial file that a retry would trip over.
            stream.Dispose();
            try { File.Delete(path); } catch (Exception) { /* the write's failure matters more */ }
            throw;
        }
    }

    /// <summary>
    /// Appends the message to an mbox. A message read from an mbox keeps its From_ line;
    /// others get one from Return-Path or From, and the Date header.
    /// </summary>
    public static void AppendMbox(string path, MailMessage message)
    {
        using var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        EndWithBlankLine(stream);
        AppendMbox(stream, message);
        stream.Flush(flushToDisk: true);
    }

    public static void AppendMbox(Stream stream, MailMessage message)
    {
        if (message.Origin is MboxOrigin mbox)
        {
            MboxWriter.AppendWithFromLine(stream, message.RawBytes, mbox.FromLine);
            return;
        }
        var mime = message.MimeMessage;
        string? sender = null;
        var returnPath = mime.Headers[MimeKit.HeaderId.ReturnPath];
        if (!string.IsNullOrWhiteSpace(returnPath))
            sender = returnPath!.Trim().Trim('<', '>');
        if (string.IsNullOrEmpty(sender))
            sender = FirstAddress(mime.From.Mailboxes);
        MboxWriter.Append(stream, message.RawBytes, sender, message.Date ?? DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Positions an mbox at its end, first completing its last message with the blank
    /// separator line if the tool that wrote it left that out: without it the From_ line
    /// we append would read as part of the previous message.
    /// </summary>
    private static void EndWithBlankLine(FileStream stream)
    {
        long length = stream.Length;
        if (length == 0) return;
        if (length < 5 || !MboxReader.LooksLikeMbox(ReadAt(stream, 0, 5)))
            throw new MessageFormatException($"'{stream.Name}' exists and is not an mbox; not appending to it.");
        var tail = ReadAt(stream, Math.Max(0, length - 4), (int)Math.Min(4, length));
        stream.Seek(0, SeekOrigin.End);
        var text = System.Text.Encoding.ASCII.GetString(tail);
        bool endsWithNewline = text.EndsWith("\n", StringComparison.Ordinal);
        bool endsWithBlankLine = text.EndsWith("\n\n", StringComparison.Ordinal) || text.EndsWith("\n\r\n", StringComparison.Ordinal);
        if (!endsWithNewline) stream.WriteByte((byte)'\n');
        if (!endsWithBlankLine) stream.WriteByte((byte)'\n');
    }

    private static byte[] ReadAt(Stream stream, long offset, int count)
    {
        var buffer = new byte[count];
        stream.Position = offset;
        ReadAtLeast(stream, buffer);
        return buffer;
    }

    public static bool HasMboxExtension(string path)
    {
        var ext = Path.GetExtension(path);
        foreach (var candidate in MboxExtensions)
            if (string.Equals(ext, candidate, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static string? FirstAddress(IEnumerable<MimeKit.MailboxAddress> boxes)
    {
        foreach (var box in boxes) return box.Address;
        return null;
    }

    private static int ReadAtLeast(Stream stream, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer, total, buffer.Length - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
