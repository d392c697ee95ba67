using System.Collections.Generic;
using MailAdmin.Protocols.Imap.Mime;

namespace MailAdmin.Protocols.Imap;

/// <summary>BODYSTRUCTURE (extensible) and BODY (non-extensible), RFC 3501 §7.4.2, from the raw MIME tree.</summary>
internal static class BodyStructureWriter
{
    public static void Write(ImapResponseBuffer b, RawEntity entity, bool extended, bool utf8)
    {
        b.Byte((byte)'(');
        if (entity.IsMultipart)
        {
            foreach (var child in entity.Children!) Write(b, child, extended, utf8);
            b.Space();
            b.String(entity.Subtype, utf8);
            if (extended)
            {
                b.Space();
                Parameters(b, entity.Parameters, utf8);
                b.Space();
                Extensions(b, entity, utf8);
            }
            b.Byte((byte)')');
            return;
        }

        var headers = entity.Headers;
        b.String(entity.Type, utf8);
        b.Space();
        b.String(entity.Subtype, utf8);
        b.Space();
        Parameters(b, entity.Parameters, utf8);
        b.Space();
        b.NString(headers.GetValue("Content-ID"), utf8);
        b.Space();
        b.NString(headers.GetValue("Content-Description"), utf8);
        b.Space();
        b.String(entity.TransferEncoding, utf8);
        b.Space();
        b.Number(entity.BodySize);
        if (entity.Message != null)
        {
            b.Space();
            EnvelopeWriter.Write(b, entity.Message.Headers, utf8);
            b.Space();
            Write(b, entity.Message, extended, utf8);
            b.Space();
            b.Number(entity.Lines);
        }
        else if (entity.IsText)
        {
            b.Space();
            b.Number(entity.Lines);
        }
        if (extended)
        {
            b.Space();
            b.NString(headers.GetValue("Content-MD5"), utf8);
            b.Space();
            Extensions(b, entity, utf8);
        }
        b.Byte((byte)')');
    }

    private static void Parameters(ImapResponseBuffer b, List<MimeParameter>? parameters, bool utf8)
    {
        if (parameters == null || parameters.Count == 0)
        {
            b.Nil();
            return;
        }
        b.Byte((byte)'(');
        for (int i = 0; i < parameters.Count; i++)
        {
            if (i > 0) b.Space();
            b.String(parameters[i].Name, utf8);
            b.Space();
            b.String(parameters[i].Value, utf8);
        }
        b.Byte((byte)')');
    }

    // body-fld-dsp SP body-fld-lang SP body-fld-loc
    private static void Extensions(ImapResponseBuffer b, RawEntity entity, bool utf8)
    {
        var headers = entity.Headers;
        var disposition = headers.GetValue("Content-Disposition");
        if (disposition != null && HeaderValueParser.TryParseDisposition(disposition, out var kind, out var dparams))
        {
            b.Byte((byte)'(');
            b.String(kind, utf8);
            b.Space();
            Parameters(b, dparams, utf8);
            b.Byte((byte)')');
        }
        else b.Nil();
        b.Space();
        var language = headers.GetValue("Content-Language");
        var tags = language == null ? null : HeaderValueParser.ParseLanguages(language);
        if (tags == null || tags.Count == 0) b.Nil();
        else if (tags.Count == 1) b.String(tags[0], utf8);
        else
        {
            b.Byte((byte)'(');
            for (int i = 0; i < tags.Count; i++)
            {
                if (i > 0) b.Space();
                b.String(tags[i], utf8);
            }
            b.Byte((byte)')');
        }
        b.Space();
        b.NString(headers.GetValue("Content-Location"), utf8);
    }
}
