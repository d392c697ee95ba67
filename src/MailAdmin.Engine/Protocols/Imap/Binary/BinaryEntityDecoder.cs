using System;
using System.Collections.Generic;
using System.Text;
using MailAdmin.Protocols.Imap.Mime;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// BINARY of a whole message or of a multipart or message/rfc822 part: the bytes with every leaf
/// part inside decoded and its header saying "Content-Transfer-Encoding: binary", as Dovecot
/// answers BINARY[] (a client gets the message as it would have been sent over a binary channel).
/// Parts with an encoding we cannot undo are left as they are.
/// </summary>
internal static class BinaryEntityDecoder
{
    private static readonly byte[] BinaryField = Encoding.ASCII.GetBytes("Content-Transfer-Encoding: binary\r\n");

    /// <summary>The bytes [<paramref name="start"/>, <paramref name="end"/>) with the leaves of <paramref name="entity"/> (which lie inside) decoded.</summary>
    public static byte[] Decode(RawEntity entity, byte[] data, int start, int end)
    {
        var splices = new List<(int Start, int End, byte[] With)>();
        Collect(entity, data, splices);
        if (splices.Count == 0)
        {
            var copy = new byte[end - start];
            Buffer.BlockCopy(data, start, copy, 0, copy.Length);
            return copy;
        }
        return ByteSplicer.Apply(data, start, end, splices);
    }

    private static void Collect(RawEntity entity, byte[] data, List<(int, int, byte[])> splices)
    {
        if (entity.IsMultipart)
        {
            foreach (var child in entity.Children!) Collect(child, data, splices);
            return;
        }
        if (entity.Message != null)
        {
            Collect(entity.Message, data, splices);
            return;
        }
        var encoding = entity.TransferEncoding;
        if (TransferDecoder.IsIdentity(encoding)) return;
        if (!TransferDecoder.TryDecode(encoding, data, entity.BodyStart, entity.BodySize, out var decoded)) return;
        var field = entity.Headers[entity.Headers.IndexOf("Content-Transfer-Encoding")];
        splices.Add((field.Start, field.End, BinaryField));
        splices.Add((entity.BodyStart, entity.BodyEnd, decoded));
    }
}
