using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace MailAdmin.Store;

/// <summary>
/// The small files a <see cref="MaildirStore"/> keeps for IMAP beside the Maildir: an account's subscriptions
/// (one folder name a line, UTF-8, in the account directory) and a folder's special use (one RFC 6154 attribute,
/// in the folder directory, so it follows a rename and goes with a delete). Both are replaced atomically.
/// </summary>
internal static class MaildirImapFiles
{
    internal const string SubscriptionsFileName = "mailadmin-subscriptions";
    internal const string SpecialUseFileName = "mailadmin-specialuse";

    public static IReadOnlyList<string>? ReadSubscriptions(string accountDirectory)
    {
        var path = Path.Combine(accountDirectory, SubscriptionsFileName);
        if (!File.Exists(path)) return null;
        return File.ReadAllText(path, Encoding.UTF8)
            .Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(l => l.Length > 0)
            .ToList();
    }

    public static void WriteSubscriptions(string accountDirectory, IReadOnlyList<string> folders)
    {
        // A name with a line break cannot be a folder name (MailboxNames refuses control characters).
        var text = string.Concat(folders.Select(f => f + "\n"));
        DurableFile.ReplaceAtomically(Path.Combine(accountDirectory, SubscriptionsFileName), Encoding.UTF8.GetBytes(text));
    }

    public static string? ReadSpecialUse(string folderDirectory)
    {
        var path = Path.Combine(folderDirectory, SpecialUseFileName);
        if (!File.Exists(path)) return null;
        try { return MailboxNames.CreatableSpecialUse(File.ReadAllText(path, Encoding.UTF8).Trim()); }
        catch (IOException) { return null; }   // deleted meanwhile
    }

    public static void WriteSpecialUse(string folderDirectory, string specialUse)
        => DurableFile.ReplaceAtomically(Path.Combine(folderDirectory, SpecialUseFileName), Encoding.UTF8.GetBytes(specialUse + "\n"));
}
