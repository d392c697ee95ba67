using System;
using System.Globalization;
using System.IO;

namespace MailAdmin.Protocols.Imap;

/// <summary>Writes untagged FETCH responses (RFC 3501 §7.4.2).</summary>
public static class FetchResponse
{
    private static readonly string[] Months = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

    /// <summary>
    /// Writes "* seq FETCH (...)\r\n", literals included. <paramref name="includeFlags"/> adds
    /// FLAGS even when not asked (after an implicit \Seen). <paramref name="utf8"/>: UTF8=ACCEPT
    /// is enabled, so 8-bit header text may be sent as is. <paramref name="includeModSeq"/> adds MODSEQ to
    /// that FLAGS (CONDSTORE is on: RFC 7162 §3.2 wants it with every flag change the client did not ask for).
    /// </summary>
    public static void Write(Stream output, FetchRequest request, ImapMessageContext message, bool includeFlags, bool utf8, bool includeModSeq = false)
    {
        if (output == null) throw new ArgumentNullException(nameof(output));
        if (request == null) throw new ArgumentNullException(nameof(request));
        if (message == null) throw new ArgumentNullException(nameof(message));
        if (request.HasBinary) BinaryFetchWriter.Check(request, message);
        var b = ImapResponseBuffer.Rent(output);
        try
        {
            b.Ascii("* ");
            b.Number(message.SequenceNumber);
            b.Ascii(" FETCH (");
            bool first = true;
            if (request.IsUid || request.HasUid)
            {
                b.Ascii("UID ");
                b.Number(message.Stored.Uid);
                first = false;
            }
            var done = 0; // bit per simple kind already written
            foreach (var item in request.Items)
            {
                if (item.Kind == FetchItemKind.Uid) continue;
                if (item.Kind != FetchItemKind.BodySection && item.Kind != FetchItemKind.Binary)
                {
                    int bit = 1 << (int)item.Kind;
                    if ((done & bit) != 0) continue;
                    done |= bit;
                }
                if (!first) b.Space();
                first = false;
                WriteItem(b, item, message, utf8);
            }
            if (includeFlags && !request.HasFlags)
            {
                if (!first) b.Space();
                WriteItem(b, new FetchItem(FetchItemKind.Flags), message, utf8);
                first = false;
            }
            if (includeFlags && includeModSeq && !request.HasModSeq)
            {
                if (!first) b.Space();
                WriteItem(b, new FetchItem(FetchItemKind.ModSeq), message, utf8);
            }
            b.Ascii(")\r\n");
            b.Flush();
        }
        finally
        {
            ImapResponseBuffer.Return(b);
        }
    }

    private static void WriteItem(ImapResponseBuffer b, FetchItem item, ImapMessageContext message, bool utf8)
    {
        var stored = message.Stored;
        switch (item.Kind)
        {
            case FetchItemKind.Flags:
                b.Ascii("FLAGS ");
                b.Ascii(ImapFlags.Format(stored.Flags, stored.Keywords, stored.IsRecent));
                break;
            case FetchItemKind.ModSeq:
                b.Ascii("MODSEQ (");
                b.Ascii(stored.ModSeq.ToString(CultureInfo.InvariantCulture));
                b.Byte((byte)')');
                break;
            case FetchItemKind.InternalDate:
                b.Ascii("INTERNALDATE \"");
                b.Ascii(FormatInternalDate(stored.InternalDate));
                b.Byte((byte)'"');
                break;
            case FetchItemKind.Rfc822Size:
                b.Ascii("RFC822.SIZE ");
                b.Number(stored.Size);
                break;
            case FetchItemKind.Envelope:
                b.Ascii("ENVELOPE ");
                if (message.CachedHeader is { } cached)
                {
                    var envelope = cached.Envelope(utf8);
                    b.Bytes(envelope, 0, envelope.Length);
                }
                else EnvelopeWriter.Write(b, message.Headers, utf8);
                break;
            case FetchItemKind.BodyStructure:
                b.Ascii("BODYSTRUCTURE ");
                BodyStructureWriter.Write(b, message.Structure, true, utf8);
                break;
            case FetchItemKind.Body:
                b.Ascii("BODY ");
                BodyStructureWriter.Write(b, message.Structure, false, utf8);
                break;
            case FetchItemKind.Rfc822:
                {
                    b.Ascii("RFC822 ");
                    var data = message.Bytes;
                    b.Literal(data, 0, data.Length);
                    break;
                }
            case FetchItemKind.Rfc822Header:
                {
                    b.Ascii("RFC822.HEADER ");
                    var h = message.Headers;
                    b.Literal(h.Data, h.Start, h.End - h.Start);
                    break;
                }
            case FetchItemKind.Rfc822Text:
                {
                    b.Ascii("RFC822.TEXT ");
                    var h = message.Headers;
                    b.Literal(h.Data, h.End, h.Data.Length - h.End);
                    break;
                }
            case FetchItemKind.Binary:
                BinaryFetchWriter.Write(b, item.Binary!, message);
                break;
            case FetchItemKind.BodySection:
                {
                    var section = item.Section!;
                    b.Ascii(section.ResponseName);
                    b.Space();
                    if (!SectionReader.TryRead(message, section, out var slice))
                    {
                        b.Ascii("\"\""); // a part the message does not have: empty, as Dovecot answers
                        break;
                    }
                    int offset = slice.Offset, count = slice.Count;
                    if (section.PartialOffset.HasValue)
                    {
                        long start = Math.Min((long)section.PartialOffset.Value, count);
                        long length = Math.Min((long)section.PartialLength!.Value, count - start);
                        offset += (int)start;
                        count = (int)length;
                    }
                    if (count == 0) b.Ascii("\"\"");
                    else b.Literal(slice.Data, offset, count);
                    break;
                }
        }
    }

    /// <summary>"dd-MMM-yyyy HH:mm:ss +zzzz" (RFC 3501 date-time, without the quotes).</summary>
    public static string FormatInternalDate(DateTimeOffset date)
    {
        var offset = date.Offset;
        char sign = offset < TimeSpan.Zero ? '-' : '+';
        if (offset < TimeSpan.Zero) offset = offset.Negate();
        return string.Format(CultureInfo.InvariantCulture, "{0:00}-{1}-{2:0000} {3:00}:{4:00}:{5:00} {6}{7:00}{8:00}",
            date.Day, Months[date.Month - 1], date.Year, date.Hour, date.Minute, date.Second, sign, offset.Hours, offset.Minutes);
    }
}
