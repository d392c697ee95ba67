namespace MailAdmin.Protocols.Imap;

/// <summary>One fetch attribute of a request.</summary>
public sealed class FetchItem
{
    internal FetchItem(FetchItemKind kind) => Kind = kind;

    internal FetchItem(BodySection section)
    {
        Kind = FetchItemKind.BodySection;
        Section = section;
    }

    internal FetchItem(BinarySection binary)
    {
        Kind = FetchItemKind.Binary;
        Binary = binary;
    }

    public FetchItemKind Kind { get; }

    /// <summary>The section, for <see cref="FetchItemKind.Binary"/>.</summary>
    public BinarySection? Binary { get; }

    /// <summary>The section, for <see cref="FetchItemKind.BodySection"/>.</summary>
    public BodySection? Section { get; }

    public override string ToString() => Section?.ToString() ?? Binary?.ToString() ?? Kind switch
    {
        FetchItemKind.Flags => "FLAGS",
        FetchItemKind.InternalDate => "INTERNALDATE",
        FetchItemKind.Rfc822Size => "RFC822.SIZE",
        FetchItemKind.Envelope => "ENVELOPE",
        FetchItemKind.BodyStructure => "BODYSTRUCTURE",
        FetchItemKind.Body => "BODY",
        FetchItemKind.Uid => "UID",
        FetchItemKind.Rfc822 => "RFC822",
        FetchItemKind.Rfc822Header => "RFC822.HEADER",
        FetchItemKind.Rfc822Text => "RFC822.TEXT",
        FetchItemKind.ModSeq => "MODSEQ",
        _ => Kind.ToString(),
    };
}
