using System;
using System.Text;
using MimeKit.Utils;

namespace MailAdmin.Protocols.Imap;

/// <summary>
/// FROM/TO/CC/BCC match the addresses as well as the field's text: "user@example.org" finds
/// "&lt;user (comment)@ (comment) example.org&gt;", and a display name written as a comment or
/// a quoted string with escapes is found as the name it is (imaptest's search-addresses script).
/// </summary>
internal static class SearchAddresses
{
    public static bool IsAddressField(string field) =>
        Eq(field, "From") || Eq(field, "To") || Eq(field, "Cc") || Eq(field, "Bcc") || Eq(field, "Sender") || Eq(field, "Reply-To");

    /// <summary>Whether a parsed address of <paramref name="decodedField"/> (name, mailbox@host, group name) contains <paramref name="value"/>.</summary>
    public static bool Contains(string decodedField, string value)
    {
        // Only comments and escapes make the parsed form differ from the text already searched (a
        // quoted name is in that text as it is); other fields (nearly all) skip the parse, so
        // SEARCH FROM stays cheap.
        if (decodedField.IndexOf('(') < 0 && decodedField.IndexOf('\\') < 0) return false;
        foreach (var a in EnvelopeAddressParser.Parse(decodedField))
        {
            if (a.Name != null && SearchText.Contains(DecodeName(a.Name), value)) return true;
            if (a.Mailbox == null) continue;
            var address = a.Host == null ? a.Mailbox : a.Mailbox + "@" + a.Host;
            if (SearchText.Contains(address, value)) return true;
        }
        return false;
    }

    private static string DecodeName(string name) =>
        name.IndexOf("=?", StringComparison.Ordinal) < 0 ? name : Rfc2047.DecodePhrase(Encoding.UTF8.GetBytes(name));

    private static bool Eq(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
