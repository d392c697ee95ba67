using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using MimeKit;

namespace MailAdmin.Messages;

/// <summary>One header field of a message: its name, its body as written, and its decoded value.</summary>
public sealed class MailHeader
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, true);
    private static readonly Encoding Latin1 = Encoding.GetEncoding(28591);

    public MailHeader(string name, string rawValue, string value, int index, MailMessage? message = null)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        RawValue = rawValue ?? string.Empty;
        Value = value ?? string.Empty;
        Index = index;
        Message = message;
    }

    /// <summary>The field name as written (e.g. "Subject", "Received").</summary>
    public string Name { get; }

    /// <summary>The field body exactly as in the message, folding kept, without the space after the colon and the final line break.</summary>
    public string RawValue { get; }

    /// <summary>The field body unfolded and decoded (RFC 2047 encoded words; RFC 2231 parameters of Content-Type and Content-Disposition).</summary>
    public string Value { get; }

    /// <summary>Zero-based position of the field among the message's header fields.</summary>
    public int Index { get; }

    /// <summary>The message the field belongs to, if known.</summary>
    public MailMessage? Message { get; }

    /// <summary>Where that message came from (file, mbox entry), if known.</summary>
    public string? Source => Message?.Source;

    public override string ToString() => $"{Name}: {Value}";

    /// <summary>The top-level header fields of a message, in order.</summary>
    public static IReadOnlyList<MailHeader> FromMessage(MailMessage message)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        var list = new List<MailHeader>();
        int index = 0;
        foreach (var header in LoadHeaders(message))
            list.Add(FromMimeHeader(header, index++, message));
        return list;
    }

    /// <summary>
    /// Every top-level field in its original order. MimeMessage.Headers is not that: MimeKit
    /// moves the Content-* fields to the body part.
    /// </summary>
    internal static HeaderList LoadHeaders(MailMessage message)
    {
        using var stream = new System.IO.MemoryStream(message.HeaderBytes, writable: false);
        try
        {
            return HeaderList.Load(ParserOptions.Default, stream);
        }
        catch (FormatException)
        {
            return message.HasBody ? message.MimeMessage.Headers : MessageParser.Parse(message.HeaderBytes).Headers;
        }
    }

    /// <summary>Wraps one MimeKit header.</summary>
    public static MailHeader FromMimeHeader(Header header, int index, MailMessage? message = null)
    {
        if (header == null) throw new ArgumentNullException(nameof(header));
        return new MailHeader(header.Field, RawText(header.RawValue), Decode(header), index, message);
    }

    /// <summary>The raw bytes as text: UTF-8 when they are UTF-8 (RFC 6532), otherwise each byte as one Latin-1 character.</summary>
    internal static string RawText(byte[] raw)
    {
        string text;
        try { text = StrictUtf8.GetString(raw); }
        catch (DecoderFallbackException) { text = Latin1.GetString(raw); }
        int start = 0;
        while (start < text.Length && (text[start] == ' ' || text[start] == '\t')) start++;
        int end = text.Length;
        while (end > start && (text[end - 1] == '\r' || text[end - 1] == '\n')) end--;
        return text.Substring(start, end - start);
    }

    private static string Decode(Header header)
    {
        string value;
        try { value = header.Value ?? string.Empty; }
        catch (Exception ex) when (ex is FormatException || ex is ArgumentException)
        {
            value = Unfold(RawText(header.RawValue));
        }

        // RFC 2231 parameters (name*=utf-8''...; name*0*=...) are decoded by MimeKit's
        // parameter parser; Header.Value only decodes RFC 2047 words.
        if (header.Id == HeaderId.ContentType && ContentType.TryParse(ParserOptions.Default, header.RawValue, out var type))
            return FormatParameters(type.MimeType, type.Parameters);
        if (header.Id == HeaderId.ContentDisposition && ContentDisposition.TryParse(ParserOptions.Default, header.RawValue, out var disposition))
            return FormatParameters(disposition.Disposition, disposition.Parameters);
        // A folded header keeps its folding whitespace (a tab) after unfolding: one space reads right.
        value = System.Text.RegularExpressions.Regex.Replace(value, "[ \t]*[\r\n]+[ \t]*|[ \t]*\t[ \t]*", " ");
        if (IsAddressHeader(header.Id))
            value = ReadableAddresses(value);
        return value;
    }

    private static bool IsAddressHeader(HeaderId id) =>
        id == HeaderId.From || id == HeaderId.To || id == HeaderId.Cc || id == HeaderId.Bcc || id == HeaderId.ReplyTo ||
        id == HeaderId.Sender || id == HeaderId.ResentFrom || id == HeaderId.ResentTo || id == HeaderId.ResentCc;

    /// <summary>Addresses with their domains in Unicode (xn--... decoded), as a reader expects; the raw form stays in RawValue.</summary>
    private static string ReadableAddresses(string value)
    {
        if (value.IndexOf("xn--", StringComparison.OrdinalIgnoreCase) < 0) return value;
        if (!InternetAddressList.TryParse(value, out var list) || list.Any(a => !(a is MailboxAddress))) return value;
        var idn = new System.Globalization.IdnMapping();
        return string.Join(", ", list.Mailboxes.Select(m =>
        {
            string domain;
            try { domain = idn.GetUnicode(m.Domain); }
            catch (ArgumentException) { domain = m.Domain; }
            var address = m.LocalPart + "@" + domain;
            return string.IsNullOrEmpty(m.Name) ? address : $"{m.Name} <{address}>";
        }));
    }

    private static string FormatParameters(string head, ParameterList parameters)
    {
        var builder = new StringBuilder(head);
        foreach (var parameter in parameters)
        {
            builder.Append("; ").Append(parameter.Name).Append('=');
            var v = parameter.Value ?? string.Empty;
            if (v.Length > 0 && v.All(c => c > ' ' && c < 127 && "()<>@,;:\\\"/[]?=".IndexOf(c) < 0))
                builder.Append(v);
            else
                builder.Append('"').Append(v.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
        }
        return builder.ToString();
    }

    private static string Unfold(string text) => text.Replace("\r\n", string.Empty).Replace("\n", string.Empty);
}
