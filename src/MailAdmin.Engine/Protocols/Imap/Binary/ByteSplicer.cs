using System.Collections.Generic;
using System.IO;

namespace MailAdmin.Protocols.Imap;

/// <summary>Copies a range of a message with some sub-ranges replaced: how a part's encoding is changed without re-serialising the MIME.</summary>
internal static class ByteSplicer
{
    /// <summary>
    /// The bytes [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="data"/>, each
    /// splice's range replaced by its bytes. Splices lie inside the range and do not overlap.
    /// </summary>
    public static byte[] Apply(byte[] data, int start, int end, List<(int Start, int End, byte[] With)> splices)
    {
        splices.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.End.CompareTo(b.End));
        var output = new MemoryStream(end - start + 256);
        int at = start;
        foreach (var (from, to, with) in splices)
        {
            output.Write(data, at, from - at);
            output.Write(with, 0, with.Length);
            at = to;
        }
        output.Write(data, at, end - at);
        return output.ToArray();
    }
}
