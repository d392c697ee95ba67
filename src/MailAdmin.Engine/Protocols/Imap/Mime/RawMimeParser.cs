using System;
using System.Collections.Generic;

namespace MailAdmin.Protocols.Imap.Mime;

/// <summary>
/// Splits a raw message into its MIME tree by byte offsets (RFC 2045/2046): headers, multipart
/// boundaries, message/rfc822 encapsulation. Lenient: a multipart without a usable boundary, or
/// a Content-Type that does not parse, becomes text/plain; nothing throws.
/// </summary>
internal static class RawMimeParser
{
    /// <summary>Deeper nesting than this is reported as a leaf part.</summary>
    public const int MaxDepth = 64;

    public static RawEntity ParseMessage(byte[] data) => ParseEntity(data, 0, data.Length, false, 0);

    private static RawEntity ParseEntity(byte[] data, int start, int end, bool digestChild, int depth)
    {
        var headers = RawHeaderList.Parse(data, start, end);
        var entity = new RawEntity(data, headers, end);
        var ct = headers.GetValue("Content-Type");
        if (ct != null && HeaderValueParser.TryParseContentType(ct, out var type, out var subtype, out var parameters))
        {
            entity.Type = type;
            entity.Subtype = subtype;
            // A text part without parameters has the RFC 2045 §5.2 default charset; say so,
            // as Dovecot does (found by tests/DovecotCrossCheck.Tests.ps1).
            entity.Parameters = (parameters == null || parameters.Count == 0) && string.Equals(type, "text", System.StringComparison.OrdinalIgnoreCase)
                ? RawEntity.DefaultTextParameters
                : parameters;
        }
        else if (ct == null && digestChild)
        {
            entity.Type = "message";
            entity.Subtype = "rfc822";
        }
        else
        {
            entity.Parameters = RawEntity.DefaultTextParameters;
        }

        if (depth >= MaxDepth) return entity;

        if (string.Equals(entity.Type, "multipart", StringComparison.OrdinalIgnoreCase))
        {
            var boundary = entity.ParameterValue("boundary");
            var children = string.IsNullOrEmpty(boundary) ? null : SplitMultipart(data, entity.BodyStart, entity.BodyEnd, boundary!,
                string.Equals(entity.Subtype, "digest", StringComparison.OrdinalIgnoreCase), depth);
            if (children == null || children.Count == 0)
            {
                // Broken multipart: report it as the text it is.
                entity.Type = "text";
                entity.Subtype = "plain";
                entity.Parameters = RawEntity.DefaultTextParameters;
            }
            else entity.Children = children;
        }
        else if (string.Equals(entity.Type, "message", StringComparison.OrdinalIgnoreCase)
            && string.Equals(entity.Subtype, "rfc822", StringComparison.OrdinalIgnoreCase)
            && IsIdentityEncoding(headers.GetValue("Content-Transfer-Encoding")))
        {
            entity.Message = ParseEntity(data, entity.BodyStart, entity.BodyEnd, false, depth + 1);
        }
        return entity;
    }

    private static bool IsIdentityEncoding(string? cte) =>
        string.IsNullOrEmpty(cte)
        || string.Equals(cte, "7bit", StringComparison.OrdinalIgnoreCase)
        || string.Equals(cte, "8bit", StringComparison.OrdinalIgnoreCase)
        || string.Equals(cte, "binary", StringComparison.OrdinalIgnoreCase);

    private static List<RawEntity>? SplitMultipart(byte[] data, int start, int end, string boundary, bool digest, int depth)
    {
        var delimiter = new byte[boundary.Length + 2];
        delimiter[0] = delimiter[1] = (byte)'-';
        for (int i = 0; i < boundary.Length; i++) delimiter[i + 2] = (byte)boundary[i];

        List<RawEntity>? children = null;
        int partStart = -1;
        int p = start;
        while (p < end)
        {
            int lf = data.AsSpan(p, end - p).IndexOf((byte)'\n');
            int lineEnd = lf < 0 ? end : p + lf;
            int next = lf < 0 ? end : lineEnd + 1;
            if (data[p] == (byte)'-' && lineEnd - p >= delimiter.Length && data.AsSpan(p, delimiter.Length).SequenceEqual(delimiter))
            {
                int after = p + delimiter.Length;
                bool close = after + 2 <= lineEnd && data[after] == (byte)'-' && data[after + 1] == (byte)'-';
                int restStart = close ? after + 2 : after;
                if (close || OnlyWhitespace(data, restStart, lineEnd))
                {
                    if (partStart >= 0)
                    {
                        children ??= new List<RawEntity>();
                        children.Add(ParseEntity(data, partStart, EndBefore(data, p, partStart), digest, depth + 1));
                    }
                    if (close) return children;
                    partStart = next;
                }
            }
            p = next;
        }
        if (partStart >= 0)
        {
            children ??= new List<RawEntity>();
            children.Add(ParseEntity(data, partStart, end, digest, depth + 1));
        }
        return children;
    }

    // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    private static int EndBefore(byte[] data, int delimiterStart, int partStart)
    {
        int e = delimiterStart;
        if (e > partStart && data[e - 1] == (byte)'\n') e--;
        if (e > partStart && data[e - 1] == (byte)'\r') e--;
        return e;
    }

    private static bool OnlyWhitespace(byte[] data, int from, int to)
    {
        for (int i = from; i < to; i++)
            if (data[i] != (byte)' ' && data[i] != (byte)'\t' && data[i] != (byte)'\r') return false;
        return true;
    }
}
