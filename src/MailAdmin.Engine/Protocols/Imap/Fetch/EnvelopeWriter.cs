using System.Collections.Generic;
using System.IO;
using MailAdmin.Protocols.Imap.Mime;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// ENVELOPE (RFC 3501 §7.4.2): date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to,
/// message-id, all from the raw header text (encoded-words left for the client).
/// </summary>
internal static class EnvelopeWriter
{
    /// <summary>The ENVELOPE value as bytes, for the header cache to keep (see ImapHeaderCache.Entry.Envelope).</summary>
    public static byte[] Render(RawHeaderList headers, bool utf8)
    {
        var output = new MemoryStream(512);
        var b = new ImapResponseBuffer(output, 512);
        Write(b, headers, utf8);
        b.Flush();
        return output.ToArray();
    }

    public static void Write(ImapResponseBuffer b, RawHeaderList headers, bool utf8)
    {
        // One pass over the fields: first occurrence of each wins.
        int date = -1, subject = -1, from = -1, sender = -1, replyTo = -1, to = -1, cc = -1, bcc = -1, inReplyTo = -1, messageId = -1;
        for (int i = 0; i < headers.Count; i++)
        {
            var name = headers[i].Name;
            switch (name.Length)
            {
                case 2:
                    if (Is(name, "To")) Set(ref to, i);
                    else if (Is(name, "Cc")) Set(ref cc, i);
                    break;
                case 3:
                    if (Is(name, "Bcc")) Set(ref bcc, i);
                    break;
                case 4:
                    if (Is(name, "Date")) Set(ref date, i);
                    else if (Is(name, "From")) Set(ref from, i);
                    break;
                case 6:
                    if (Is(name, "Sender")) Set(ref sender, i);
                    break;
                case 7:
                    if (Is(name, "Subject")) Set(ref subject, i);
                    break;
                case 8:
                    if (Is(name, "Reply-To")) Set(ref replyTo, i);
                    break;
                case 10:
                    if (Is(name, "Message-ID")) Set(ref messageId, i);
                    break;
                case 11:
                    if (Is(name, "In-Reply-To")) Set(ref inReplyTo, i);
                    break;
            }
        }

        b.Byte((byte)'(');
        b.NString(date < 0 ? null : headers.GetValue(date), utf8);
        b.Space();
        b.HumanNString(subject < 0 ? null : headers.GetValue(subject), utf8);
        b.Space();
        var fromList = Addresses(headers, from);
        WriteAddresses(b, fromList, utf8);
        b.Space();
        var senderList = Addresses(headers, sender);
        WriteAddresses(b, senderList == null || senderList.Count == 0 ? fromList : senderList, utf8);
        b.Space();
        var replyList = Addresses(headers, replyTo);
        WriteAddresses(b, replyList == null || replyList.Count == 0 ? fromList : replyList, utf8);
        b.Space();
        WriteAddresses(b, Addresses(headers, to), utf8);
        b.Space();
        WriteAddresses(b, Addresses(headers, cc), utf8);
        b.Space();
        WriteAddresses(b, Addresses(headers, bcc), utf8);
        b.Space();
        b.NString(inReplyTo < 0 ? null : headers.GetValue(inReplyTo), utf8);
        b.Space();
        b.NString(messageId < 0 ? null : headers.GetValue(messageId), utf8);
        b.Byte((byte)')');
    }

    private static void Set(ref int slot, int i)
    {
        if (slot < 0) slot = i;
    }

    private static bool Is(string a, string b) => string.Equals(a, b, System.StringComparison.OrdinalIgnoreCase);

    private static List<EnvelopeAddress>? Addresses(RawHeaderList headers, int index) =>
        index < 0 ? null : EnvelopeAddressParser.Parse(headers.GetValue(index));

    private static void WriteAddresses(ImapResponseBuffer b, List<EnvelopeAddress>? list, bool utf8)
    {
        if (list == null || list.Count == 0)
        {
            b.Nil();
            return;
        }
        b.Byte((byte)'(');
        foreach (var a in list)
        {
            b.Byte((byte)'(');
            b.HumanNString(a.Name, utf8);
            b.Space();
            b.NString(a.Route, utf8);
            b.Space();
            b.NString(a.Mailbox, utf8);
            b.Space();
            b.NString(a.Host, utf8);
            b.Byte((byte)')');
        }
        b.Byte((byte)')');
    }
}
