namespace MailAdmin.Fuzz;

/// <summary>
/// The fuzz targets by name. A target takes the input bytes and returns normally when the code
/// under test behaved: it catches only the exceptions that code documents for bad input
/// (e.g. AttachmentFormatException from the decoders). Anything else that escapes — or an input
/// that runs past AFL's time limit — is a finding.
/// </summary>
internal static class FuzzTargets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new SortedDictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["smtp-command"] = SmtpTargets.Command,
        ["smtp-data"] = SmtpTargets.Data,
        ["imap-reader"] = ImapTargets.Reader,
        ["imap-sequence-set"] = ImapTargets.SequenceSets,
        ["imap-search"] = ImapTargets.Search,
        ["imap-list-pattern"] = ImapTargets.ListPattern,
        ["imap-session"] = ImapSessionTarget.Run,
        ["pop3-command"] = Pop3Targets.Command,
        ["sasl"] = SaslTargets.SessionResponses,
        ["sasl-mechanism"] = SaslTargets.MechanismResponses,
        ["received"] = MessageTargets.Received,
        ["uudecode"] = MessageTargets.Uudecode,
        ["binhex"] = MessageTargets.BinHex,
        ["mbox"] = MessageTargets.Mbox,
    };

    /// <summary>A broken invariant: reported to AFL as a crash.</summary>
    public static void Check(bool condition, string what)
    {
        if (!condition) throw new FuzzInvariantException(what);
    }

    /// <summary>Where to split an input in two, chosen by the input itself so a run is reproducible.</summary>
    public static int SplitPoint(byte[] data) => data.Length < 2 ? 0 : 1 + (data[0] + 31 * data[^1]) % (data.Length - 1);
}

internal sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException(string message) : base(message) { }
}
