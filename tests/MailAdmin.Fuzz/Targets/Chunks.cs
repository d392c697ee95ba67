using System.Buffers;

namespace MailAdmin.Fuzz;

/// <summary>Feeds input the way the hosts do: what a reader leaves unconsumed is offered again with the next read.</summary>
internal static class Chunks
{
    public delegate bool Step(ref ReadOnlySequence<byte> buffer, List<string> results);

    /// <summary>Runs <paramref name="step"/> until it asks for more, over each chunk in turn.</summary>
    public static List<string> Feed(IEnumerable<byte[]> chunks, Step step)
    {
        var results = new List<string>();
        byte[] pending = Array.Empty<byte>();
        foreach (var chunk in chunks)
        {
            var data = pending.Length == 0 ? chunk : pending.Concat(chunk).ToArray();
            var buffer = new ReadOnlySequence<byte>(data);
            while (step(ref buffer, results)) { }
            pending = buffer.ToArray();
        }
        return results;
    }

    /// <summary>The input whole, and split in two at a point it chooses.</summary>
    public static (byte[][] Whole, byte[][] Split) WholeAndSplit(byte[] data)
    {
        int cut = FuzzTargets.SplitPoint(data);
        return (new[] { data }, new[] { data[..cut], data[cut..] });
    }

    /// <summary>Same results whole and split: a parser must not depend on where reads end.</summary>
    public static void SameWholeAndSplit(byte[] data, Func<Step> newStep)
    {
        var (whole, split) = WholeAndSplit(data);
        var a = Feed(whole, newStep());
        var b = Feed(split, newStep());
        FuzzTargets.Check(a.SequenceEqual(b), "whole and split input parse differently:\n" + string.Join("\n", a) + "\n----\n" + string.Join("\n", b));
    }
}
