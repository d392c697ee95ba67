using System;
using System.Collections.Generic;

namespace MailAdmin.Protocols.Imap.Mime;

/// <summary>
/// One MIME entity (the message itself or a body part) as byte ranges of the raw message:
/// header [Start, BodyStart), body [BodyStart, BodyEnd). FETCH BODY[section] copies these
/// ranges, so the octets are the original ones.
/// </summary>
internal sealed class RawEntity
{
    internal static readonly List<MimeParameter> DefaultTextParameters = new List<MimeParameter> { new MimeParameter("charset", "us-ascii") };

    private int _lines = -1;

    public RawEntity(byte[] data, RawHeaderList headers, int bodyEnd)
    {
        Data = data;
        Headers = headers;
        BodyEnd = Math.Max(bodyEnd, headers.End);
        Type = "text";
        Subtype = "plain";
    }

    public byte[] Data { get; }
    public RawHeaderList Headers { get; }
    public int Start => Headers.Start;
    public int BodyStart => Headers.End;
    public int BodyEnd { get; }
    public int BodySize => BodyEnd - BodyStart;

    /// <summary>The media type as written ("text" when absent or invalid).</summary>
    public string Type { get; internal set; }
    public string Subtype { get; internal set; }

    /// <summary>The Content-Type parameters, null when none.</summary>
    public List<MimeParameter>? Parameters { get; internal set; }

    /// <summary>The parts of a multipart, null otherwise.</summary>
    public List<RawEntity>? Children { get; internal set; }

    /// <summary>The encapsulated message of a message/rfc822 part, null otherwise.</summary>
    public RawEntity? Message { get; internal set; }

    public bool IsMultipart => Children != null;

    public bool IsText => string.Equals(Type, "text", StringComparison.OrdinalIgnoreCase);

    /// <summary>Lines of the body (line feeds counted).</summary>
    public int Lines
    {
        get
        {
            if (_lines < 0)
            {
                int count = 0, p = BodyStart;
                while (p < BodyEnd)
                {
                    int lf = Data.AsSpan(p, BodyEnd - p).IndexOf((byte)'\n');
                    if (lf < 0) break;
                    count++;
                    p += lf + 1;
                }
                _lines = count;
            }
            return _lines;
        }
    }

    public string? ParameterValue(string name)
    {
        if (Parameters == null) return null;
        foreach (var p in Parameters)
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return p.Value;
        return null;
    }

    /// <summary>Content-Transfer-Encoding, lower-cased; "7bit" when absent.</summary>
    public string TransferEncoding
    {
        get
        {
            var v = Headers.GetValue("Content-Transfer-Encoding");
            return string.IsNullOrEmpty(v) ? "7bit" : v!;
        }
    }
}
