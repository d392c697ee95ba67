using System;
using System.Text;
using MailAdmin.Messages;
using MailAdmin.Protocols.Imap.Mime;
using MimeKit.Encodings;
using MimeKit.Utils;

namespace MailAdmin.Protocols.Imap;

/// <summary>Decoded text for SEARCH: RFC 2047 header values, bodies decoded from transfer encoding and charset.</summary>
internal static class SearchText
{
    public static bool Contains(string? haystack, string needle) =>
        haystack != null && haystack.IndexOf(needle, StringComparison.OrdinalIgnoreCase) >= 0;

    /// <summary>Whether a field named <paramref name="field"/> exists whose decoded value contains <paramref name="value"/> ("" matches any such field).</summary>
    public static bool HeaderContains(ImapMessageContext message, string field, string value)
    {
        bool addresses = SearchAddresses.IsAddressField(field);
        var headers = message.Headers;
        for (int i = 0; i < headers.Count; i++)
        {
            if (!string.Equals(headers[i].Name, field, StringComparison.OrdinalIgnoreCase)) continue;
            if (value.Length == 0) return true;
            var decoded = Decode(headers, i);
            if (Contains(decoded, value)) return true;
            if (addresses && SearchAddresses.Contains(decoded, value)) return true;
        }
        return false;
    }

    public static bool AnyHeaderContains(ImapMessageContext message, string value)
    {
        var headers = message.Headers;
        for (int i = 0; i < headers.Count; i++)
        {
            if (Contains(headers[i].Name, value) || Contains(Decode(headers, i), value)) return true;
        }
        return false;
    }

    /// <summary>A header field's value with its encoded-words decoded (SORT and THREAD read the Subject this way).</summary>
    internal static string DecodeField(RawHeaderList headers, int index) => Decode(headers, index);

    private static string Decode(RawHeaderList headers, int index)
    {
        // Most values are plain ASCII without encoded-words: nothing to decode, and SEARCH SUBJECT
        // over a large folder spends its time here.
        var text = headers.GetValue(index);
        if (IsPlainAscii(text)) return text;
        var raw = headers.GetValueBytes(index);
        try
        {
            return Rfc2047.DecodeText(raw);
        }
        catch (Exception e) when (e is ArgumentException || e is FormatException || e is NotSupportedException)
        {
            return Encoding.UTF8.GetString(raw);
        }
    }

    private static bool IsPlainAscii(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c >= 0x80 || (c == '=' && i + 1 < s.Length && s[i + 1] == '?')) return false;
        }
        return true;
    }

    /// <summary>The Date header, parsed; null when missing or invalid.</summary>
    public static DateTimeOffset? SentDate(ImapMessageContext message)
    {
        int i = message.Headers.IndexOf("Date");
        if (i < 0) return null;
        var raw = message.Headers.GetValueBytes(i);
        return DateUtils.TryParse(raw, 0, raw.Length, out var date) ? date : (DateTimeOffset?)null;
    }

    /// <summary>
    /// The text of every text part (nested messages' headers and parts included), decoded from its
    /// transfer encoding and charset; computed once per message. Walks the same raw MIME tree as
    /// BODYSTRUCTURE, so broken MIME searches as the text/plain it is reported as.
    /// </summary>
    public static string BodyText(ImapMessageContext message)
    {
        if (message.SearchBodyText != null) return message.SearchBodyText;
        var sb = new StringBuilder();
        var root = message.Structure;
        if (root.IsMultipart || root.Message != null) Append(sb, root, 0, skipHeader: true);
        else if (root.IsText) sb.Append(DecodeBody(root));
        return message.SearchBodyText = sb.ToString();
    }

    private static void Append(StringBuilder sb, RawEntity entity, int depth, bool skipHeader)
    {
        if (depth > RawMimeParser.MaxDepth) return;
        if (entity.IsMultipart)
        {
            foreach (var child in entity.Children!) Append(sb, child, depth + 1, false);
            return;
        }
        if (entity.Message != null)
        {
            var inner = entity.Message;
            var headers = inner.Headers;
            for (int i = 0; i < headers.Count; i++)
            {
                if (headers[i].Name.Length == 0) continue;
                sb.Append(headers[i].Name).Append(": ").Append(Decode(headers, i)).Append('\n');
            }
            if (inner.IsMultipart || inner.Message != null) Append(sb, inner, depth + 1, true);
            else if (inner.IsText) sb.Append(DecodeBody(inner)).Append('\n');
            return;
        }
        if (entity.IsText) sb.Append(DecodeBody(entity)).Append('\n');
    }

    /// <summary>A leaf part's body as text: transfer encoding undone, then its charset (UTF-8 or Latin-1 when unknown).</summary>
    internal static string DecodeBody(RawEntity entity)
    {
        var data = entity.Data;
        int start = entity.BodyStart, length = entity.BodySize;
        byte[] bytes = data;
        var cte = entity.TransferEncoding;
        IMimeDecoder? decoder = null;
        if (string.Equals(cte, "base64", StringComparison.OrdinalIgnoreCase)) decoder = new Base64Decoder();
        else if (string.Equals(cte, "quoted-printable", StringComparison.OrdinalIgnoreCase)) decoder = new QuotedPrintableDecoder();
        if (decoder != null)
        {
            var output = new byte[decoder.EstimateOutputLength(length)];
            int n = decoder.Decode(data, start, length, output);
            bytes = output;
            start = 0;
            length = n;
        }
        return GetString(bytes, start, length, entity.ParameterValue("charset"));
    }

    private static string GetString(byte[] bytes, int start, int length, string? charset)
    {
        if (!string.IsNullOrEmpty(charset) && !string.Equals(charset, "us-ascii", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var encoding = Charsets.Get(charset!.Trim());
                return encoding.GetString(bytes, start, length);
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException)
            {
                // unknown charset: guess below
            }
        }
        try
        {
            return StrictUtf8.GetString(bytes, start, length);
        }
        catch (DecoderFallbackException)
        {
            return Charsets.Get(1252).GetString(bytes, start, length);
        }
    }

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, true);
}
