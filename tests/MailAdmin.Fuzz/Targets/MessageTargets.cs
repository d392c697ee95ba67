using System.Text;
using MailAdmin.Messages;
using MailAdmin.Messages.Attachments;

namespace MailAdmin.Fuzz;

/// <summary>Message-side parsers: Received fields, uuencode and BinHex blocks, mbox files.</summary>
internal static class MessageTargets
{
    /// <summary>Documented: never throws; problems go to ParseError.</summary>
    public static void Received(byte[] data)
    {
        var stamp = ReceivedParser.Parse(Encoding.UTF8.GetString(data));
        _ = (stamp.FromHost, stamp.FromAddress, stamp.ByHost, stamp.With, stamp.Id, stamp.For, stamp.Timestamp, stamp.ParseError);
    }

    /// <summary>Documented: AttachmentFormatException for input that is not a whole, valid block.</summary>
    public static void Uudecode(byte[] data)
    {
        var text = Encoding.Latin1.GetString(data);
        foreach (var line in text.Split('\n')) UuDecoder.TryParseBegin(line.TrimEnd('\r'), out _);
        try
        {
            var bytes = UuDecoder.Decode(text, out var name);
            FuzzTargets.Check(name != null && bytes.Length <= data.Length, "decoded more bytes than the text holds");
        }
        catch (AttachmentFormatException) { }
    }

    /// <summary>Documented: AttachmentFormatException for corrupt or truncated data (every CRC is checked).</summary>
    public static void BinHex(byte[] data)
    {
        try
        {
            var file = BinHexDecoder.Decode(data);
            FuzzTargets.Check(file.FileName.Length is >= 1 and <= 63, "file name length out of range");
        }
        catch (AttachmentFormatException) { }
    }

    /// <summary>Documented: MessageFormatException when the data does not start with a From_ line. Entries must not depend on read sizes.</summary>
    public static void Mbox(byte[] data)
    {
        var whole = Read(new MemoryStream(data));
        var trickled = Read(new TrickleStream(data, 1 + FuzzTargets.SplitPoint(data) % 7));
        FuzzTargets.Check(whole.SequenceEqual(trickled), "entries depend on read sizes");
    }

    private static List<string> Read(Stream stream)
    {
        var entries = new List<string>();
        try
        {
            foreach (var e in new MboxReader(stream).ReadMessages())
                entries.Add(e.Index + "|" + e.Offset + "|" + e.FromLine + "|" + e.EnvelopeSender + "|" + Convert.ToBase64String(e.Content));
        }
        catch (MessageFormatException ex) { entries.Add("error: " + ex.Message); }
        return entries;
    }

    /// <summary>A stream that returns at most a few bytes per read, as a pipe or socket may.</summary>
    private sealed class TrickleStream : MemoryStream
    {
        private readonly int _most;
        public TrickleStream(byte[] data, int most) : base(data) => _most = most;
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, _most));
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, _most)]);
    }
}
