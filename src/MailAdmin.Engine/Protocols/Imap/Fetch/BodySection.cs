using System;
using System.Collections.Generic;

namespace MailAdmin.Protocols.Imap;

/// <summary>A BODY[section]&lt;partial&gt; request.</summary>
public sealed class BodySection
{
    internal BodySection(bool peek, uint[] part, SectionText text, IReadOnlyList<string>? fields, uint? partialOffset, uint? partialLength)
    {
        Peek = peek;
        Part = part;
        Text = text;
        Fields = fields ?? Array.Empty<string>();
        PartialOffset = partialOffset;
        PartialLength = partialLength;
        ResponseName = BuildName();
    }

    public bool Peek { get; }

    /// <summary>The part numbers: empty for the message itself.</summary>
    public IReadOnlyList<uint> Part { get; }

    public SectionText Text { get; }

    /// <summary>The header field names of HEADER.FIELDS (.NOT), upper-cased.</summary>
    public IReadOnlyList<string> Fields { get; }

    public uint? PartialOffset { get; }

    public uint? PartialLength { get; }

    /// <summary>The name in the response: "BODY[1.HEADER.FIELDS (FROM TO)]&lt;0&gt;" (partial origin only, no PEEK).</summary>
    public string ResponseName { get; }

    private string BuildName()
    {
        var sb = new System.Text.StringBuilder("BODY[");
        sb.Append(SectionSpec());
        sb.Append(']');
        if (PartialOffset.HasValue) sb.Append('<').Append(PartialOffset.Value).Append('>');
        return sb.ToString();
    }

    internal string SectionSpec()
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < Part.Count; i++)
        {
            if (i > 0) sb.Append('.');
            sb.Append(Part[i]);
        }
        if (Text != SectionText.None && Part.Count > 0) sb.Append('.');
        switch (Text)
        {
            case SectionText.Header: sb.Append("HEADER"); break;
            case SectionText.Text: sb.Append("TEXT"); break;
            case SectionText.Mime: sb.Append("MIME"); break;
            case SectionText.HeaderFields:
            case SectionText.HeaderFieldsNot:
                sb.Append(Text == SectionText.HeaderFields ? "HEADER.FIELDS (" : "HEADER.FIELDS.NOT (");
                for (int i = 0; i < Fields.Count; i++)
                {
                    if (i > 0) sb.Append(' ');
                    sb.Append(Fields[i]);
                }
                sb.Append(')');
                break;
        }
        return sb.ToString();
    }

    public override string ToString()
    {
        var s = (Peek ? "BODY.PEEK[" : "BODY[") + SectionSpec() + "]";
        return PartialOffset.HasValue ? s + "<" + PartialOffset + "." + PartialLength + ">" : s;
    }
}
