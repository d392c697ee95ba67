namespace MailAdmin.Protocols.Imap;

/// <summary>The kinds of fetch-att (RFC 3501 §6.4.5).</summary>
public enum FetchItemKind
{
    Flags,
    InternalDate,
    Rfc822Size,
    Envelope,
    BodyStructure,
    /// <summary>BODY without a section: the non-extensible BODYSTRUCTURE.</summary>
    Body,
    Uid,
    Rfc822,
    Rfc822Header,
    Rfc822Text,
    /// <summary>BODY[section]&lt;partial&gt; or BODY.PEEK[...].</summary>
    BodySection,
    /// <summary>MODSEQ (RFC 7162 §3.1.4.1).</summary>
    ModSeq,
    /// <summary>BINARY[part]&lt;partial&gt;, BINARY.PEEK[...] or BINARY.SIZE[part] (RFC 3516).</summary>
    Binary,
}
