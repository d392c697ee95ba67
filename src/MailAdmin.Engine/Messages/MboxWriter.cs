using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace MailAdmin.Messages;

/// <summary>
/// Appends messages to an mbox in the mboxrd convention: a From_ line, the message with
/// every ">*From " line given one more '>', and a blank separator line. Read back with
/// <see cref="MboxReader"/>, each message comes out byte for byte as it went in (a
/// message whose last line lacks a line ending gains one LF: mbox cannot record it).
/// </summary>
public static class MboxWriter
{
    public static void Append(Stream destination, byte[] message, string? envelopeSender, DateTimeOffset date) =>
        AppendWithFromLine(destination, message, FormatFromLine(envelopeSender, date));

    /// <summary>Appends with a given From_ line (without its line ending), e.g. the one the message was read with.</summary>
    public static void AppendWithFromLine(Stream destination, byte[] message, string fromLine)
    {
        // UTF-8: an SMTPUTF8 envelope sender keeps its characters (MboxReader decodes UTF-8).
        var head = Encoding.UTF8.GetBytes(fromLine + "\n");
        destination.Write(head, 0, head.Length);

        int lineStart = 0;
        while (lineStart < message.Length)
        {
            int lf = Array.IndexOf(message, (byte)'\n', lineStart);
            int lineEnd = lf < 0 ? message.Length : lf + 1;
            if (NeedsQuoting(message, lineStart, lineEnd))
                destination.WriteByte((byte)'>');
            destination.Write(message, lineStart, lineEnd - lineStart);
            lineStart = lineEnd;
        }
        if (message.Length == 0 || message[message.Length - 1] != (byte)'\n')
            destination.WriteByte((byte)'\n');
        destination.WriteByte((byte)'\n');
    }

    /// <summary>"From sender asctime-date", the traditional From_ line (RFC 4155 §2).</summary>
    public static string FormatFromLine(string? envelopeSender, DateTimeOffset date)
    {
        var sender = string.IsNullOrWhiteSpace(envelopeSender) ? "MAILER-DAEMON" : envelopeSender!.Trim();
        // A From_ line address must be one word; spaces would shift the date.
        sender = sender.Replace(' ', '_').Trim('<', '>');
        if (sender.Length == 0) sender = "MAILER-DAEMON";
        var utc = date.UtcDateTime;
        return "From " + sender + " " + utc.ToString("ddd MMM ", CultureInfo.InvariantCulture)
            + utc.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)
            + utc.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);
    }

    private static bool NeedsQuoting(byte[] message, int start, int end)
    {
        int i = start;
        while (i < end && message[i] == (byte)'>') i++;
        const string from = "From ";
        if (end - i < from.Length) return false;
        for (int j = 0; j < from.Length; j++)
            if (message[i + j] != (byte)from[j]) return false;
        return true;
    }
}
