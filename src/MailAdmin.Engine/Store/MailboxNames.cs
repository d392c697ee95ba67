using System;
using System.Collections.Generic;
using System.Text;

namespace MailAdmin.Store;

/// <summary>
/// Validation and mapping of account addresses and folder names to directory names. Every directory name
/// produced here is a single path segment that cannot be "." or "..", has no separator, colon or NUL, so
/// nothing a client sends can leave the store root or the account's directory.
/// </summary>
public static class MailboxNames
{
    public const string Inbox = "INBOX";
    public const char Delimiter = '.';
    public const int MaxAddressLength = 254;
    public const int MaxFolderNameLength = 200;

    /// <summary>The folders every new account gets besides INBOX, with their RFC 6154 attribute.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> DefaultFolders { get; } = new[]
    {
        new KeyValuePair<string, string>("Sent", "\\Sent"),
        new KeyValuePair<string, string>("Drafts", "\\Drafts"),
        new KeyValuePair<string, string>("Trash", "\\Trash"),
        new KeyValuePair<string, string>("Junk", "\\Junk"),
    };

    /// <summary>Trims and lower-cases an address, and checks it is local@domain without control characters or white space.</summary>
    public static string NormalizeAddress(string address)
    {
        if (address is null) throw new ArgumentNullException(nameof(address));
        var a = address.Trim().ToLowerInvariant();
        if (a.Length == 0) throw new InvalidAccountAddressException(address, "it is empty");
        if (a.Length > MaxAddressLength) throw new InvalidAccountAddressException(address, "it is longer than 254 characters");
        foreach (var c in a)
            if (char.IsControl(c) || char.IsWhiteSpace(c))
                throw new InvalidAccountAddressException(address, "it contains a control or white-space character");
        var at = a.LastIndexOf('@');
        if (at <= 0 || at == a.Length - 1) throw new InvalidAccountAddressException(address, "it is not local@domain");
        return a;
    }

    /// <summary>
    /// The directory name of an account: the normalised address with every character outside
    /// [a-z0-9@_+=-] and every leading '.' written as %XX (UTF-8). Always contains '@'.
    /// </summary>
    public static string AccountDirectoryName(string normalizedAddress)
    {
        var sb = new StringBuilder(normalizedAddress.Length + 8);
        var bytes = Encoding.UTF8.GetBytes(normalizedAddress);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            var plain = (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '@' || b == '_' || b == '+' || b == '=' || b == '-'
                        || (b == '.' && i > 0);
            if (plain) sb.Append((char)b);
            else sb.Append('%').Append(b.ToString("X2"));
        }
        return sb.ToString();
    }

    /// <summary>Checks a folder name and returns its canonical form ("INBOX" for any case of inbox).</summary>
    public static string NormalizeFolder(string folder)
    {
        if (folder is null) throw new ArgumentNullException(nameof(folder));
        if (folder.Length == 0) throw new InvalidFolderNameException(folder, "it is empty");
        if (string.Equals(folder, Inbox, StringComparison.OrdinalIgnoreCase)) return Inbox;
        if (folder.Length > MaxFolderNameLength) throw new InvalidFolderNameException(folder, "it is too long");
        foreach (var c in folder)
        {
            if (char.IsControl(c)) throw new InvalidFolderNameException(folder, "it contains a control character");
            if (c == '/' || c == '\\') throw new InvalidFolderNameException(folder, "it contains a path separator");
            if (c == ':' || c == '*' || c == '%' || c == '?' || c == '"' || c == '<' || c == '>' || c == '|')
                throw new InvalidFolderNameException(folder, $"it contains '{c}'");
        }
        foreach (var part in folder.Split(Delimiter))
        {
            if (part.Length == 0) throw new InvalidFolderNameException(folder, "a hierarchy level is empty (leading, trailing or double '.')");
            if (part.Trim().Length != part.Length) throw new InvalidFolderNameException(folder, "a hierarchy level begins or ends with white space");
        }
        // "INBOX.x" is an ordinary top-level folder named INBOX.x in Maildir++; keep the name's case.
        return folder;
    }

    /// <summary>The directory (relative to the account directory) of a normalised folder: "" for INBOX, ".Name" otherwise.</summary>
    public static string FolderDirectoryName(string normalizedFolder)
        => normalizedFolder == Inbox ? "" : "." + normalizedFolder;

    /// <summary>The folder name of a Maildir++ subdirectory name (".Name"), or null when it is not one.</summary>
    internal static string? FolderFromDirectoryName(string directoryName)
    {
        if (directoryName.Length < 2 || directoryName[0] != '.' || directoryName == "..") return null;
        var name = directoryName.Substring(1);
        try { return NormalizeFolder(name) == Inbox ? null : name; }
        catch (InvalidFolderNameException) { return null; }
    }

    /// <summary>The RFC 6154 uses a created folder may have: the real ones (\All and \Flagged are virtual collections, which this store has not).</summary>
    public static IReadOnlyList<string> CreatableSpecialUses { get; } = new[] { "\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash" };

    /// <summary>The canonical spelling of a creatable special use (case-insensitive), or null.</summary>
    public static string? CreatableSpecialUse(string use)
    {
        foreach (var u in CreatableSpecialUses)
            if (string.Equals(u, use, StringComparison.OrdinalIgnoreCase)) return u;
        return null;
    }

    internal static string? SpecialUseOf(string folder)
    {
        foreach (var f in DefaultFolders)
            if (string.Equals(f.Key, folder, StringComparison.Ordinal)) return f.Value;
        return null;
    }
}
