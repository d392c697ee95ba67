namespace MailAdmin.Protocols.Imap;

/// <summary>What a section names after its part numbers.</summary>
public enum SectionText
{
    /// <summary>The whole (part) content: BODY[] or BODY[1.2].</summary>
    None,
    Header,
    HeaderFields,
    HeaderFieldsNot,
    Text,
    Mime,
}
