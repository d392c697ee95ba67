using System.Buffers;
using MailAdmin.Protocols;
using MailAdmin.Protocols.Smtp;

namespace MailAdmin.Fuzz;

/// <summary>SMTP: command framing and parsing (never throws for client input), DATA decoding.</summary>
internal static class SmtpTargets
{
    public static void Command(byte[] data)
    {
        Chunks.SameWholeAndSplit(data, () =>
        {
            var lines = new SmtpLineReader(512, 1024, 12288);
            return (ref ReadOnlySequence<byte> buffer, List<string> results) =>
            {
                var status = SmtpCommandParser.TryReadCommand(ref lines, ref buffer, out var command);
                if (status == SmtpLineStatus.NeedMore) return false;
                results.Add(status == SmtpLineStatus.Line ? Describe(command!) : status.ToString());
                return true;
            };
        });
    }

    private static string Describe(SmtpCommand c)
        => c.Kind + "|" + c.Verb + "|" + c.Argument + "|" + c.Address + "|" + string.Join(",", c.Parameters) + "|" + c.ChunkSize + "|" + c.IsLastChunk + "|" + c.InitialResponse + "|" + c.Error;

    /// <summary>DATA content: the same message, flags and end whole or split; no byte invented or lost.</summary>
    public static void Data(byte[] data)
    {
        long max = data.Length > 0 && data[0] % 4 == 0 ? data.Length / 2 : 0;
        var (whole, split) = Chunks.WholeAndSplit(data);
        var a = Decode(whole, max);
        var b = Decode(split, max);
        FuzzTargets.Check(a.Consumed == b.Consumed && a.Flags == b.Flags, "DATA ends or flags differ split: " + a.Flags + " / " + b.Flags);
        // Past the limit the message is refused (552) and what was kept of it does not matter.
        FuzzTargets.Check(a.TooLarge || a.Output.AsSpan().SequenceEqual(b.Output), "DATA content differs split");
        FuzzTargets.Check(a.Consumed <= data.Length, "consumed more than given");
        FuzzTargets.Check(a.Output.Length <= a.Consumed, "output longer than the input it came from");
    }

    private static (long Consumed, string Flags, bool TooLarge, byte[] Output) Decode(byte[][] chunks, long max)
    {
        using var output = new ByteBuffer();
        var decoder = new SmtpDataDecoder();
        decoder.Reset(output, max);
        long consumed = 0;
        foreach (var chunk in chunks)
        {
            if (decoder.IsComplete) break;
            int used = decoder.Feed(chunk);
            FuzzTargets.Check(used >= 0 && used <= chunk.Length, "Feed returned " + used + " for " + chunk.Length + " bytes");
            FuzzTargets.Check(decoder.IsComplete || used == chunk.Length, "stopped early without the end of data");
            consumed += used;
        }
        if (max > 0) FuzzTargets.Check(output.Length <= max, "stored beyond the size limit");
        return (consumed, $"{decoder.IsComplete} {decoder.HasBareLineEnding} {decoder.TooLarge} {decoder.Size}", decoder.TooLarge, output.Span.ToArray());
    }
}
