using System.Buffers;
using MailAdmin.Protocols;
using MailAdmin.Protocols.Pop3;

namespace MailAdmin.Fuzz;

/// <summary>POP3 command framing and parsing: errors are a command with Error set, never an exception.</summary>
internal static class Pop3Targets
{
    public static void Command(byte[] data)
    {
        Chunks.SameWholeAndSplit(data, () =>
        {
            var lines = new LineFramer();
            return (ref ReadOnlySequence<byte> buffer, List<string> results) =>
            {
                var status = Pop3CommandParser.TryReadCommand(ref lines, ref buffer, out var command);
                if (status == LineStatus.NeedMore) return false;
                if (status == LineStatus.Line)
                {
                    var c = command!;
                    // Numeric arguments the parser accepted must be numbers the session can read.
                    if (c.Error == null && c.Kind is Pop3CommandKind.Retr or Pop3CommandKind.Dele or Pop3CommandKind.List or Pop3CommandKind.Uidl or Pop3CommandKind.Top)
                        for (int i = 0; i < c.Arguments.Count; i++) c.Number(i);
                    results.Add(c.Kind + "|" + c.Verb + "|" + string.Join(",", c.Arguments) + "|" + c.Error);
                }
                else results.Add(status.ToString());
                return true;
            };
        });
    }
}
