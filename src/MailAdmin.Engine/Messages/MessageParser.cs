using System;
using System.IO;
using MimeKit;

namespace MailAdmin.Messages;

/// <summary>
/// Parses message bytes with MimeKit, after a sanity check that MimeKit's lenient parser
/// does not make: the data must begin with a header field. Without it, a JPEG or an
/// empty file would "parse" into a message with no headers and the import would not
/// tell the user their file is not mail.
/// </summary>
public static class MessageParser
{
    public static MimeMessage Parse(byte[] raw)
    {
        CheckStartsWithHeader(raw);
        try
        {
            using var stream = new MemoryStream(raw, writable: false);
            return MimeMessage.Load(ParserOptions.Default, stream);
        }
        catch (FormatException ex)
        {
            throw new MessageFormatException($"Not a valid message: {ex.Message}", ex);
        }
    }

    /// <summary>RFC 5322 §2.2: a field name is printable US-ASCII except ':', then ':'.</summary>
    internal static void CheckStartsWithHeader(ReadOnlySpan<byte> raw)
    {
        if (raw.Length == 0)
            throw new MessageFormatException("The message is empty.");
        int i = 0;
        while (i < raw.Length && raw[i] >= 33 && raw[i] <= 126 && raw[i] != (byte)':')
            i++;
        // A field name then optional whitespace (obs-FWS) then the colon.
        int nameLength = i;
        while (i < raw.Length && (raw[i] == (byte)' ' || raw[i] == (byte)'\t'))
            i++;
        if (nameLength == 0 || i >= raw.Length || raw[i] != (byte)':')
            throw new MessageFormatException("The data does not begin with a header field (Name: value), so it is not a mail message.");
    }
}
