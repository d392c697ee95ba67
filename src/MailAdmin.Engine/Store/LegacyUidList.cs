using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace MailAdmin.Store;

/// <summary>
/// The per-folder UID file "mailadmin-uidlist" this module wrote before it kept Dovecot's dovecot-uidlist;
/// read once, when a folder is opened, to carry its UIDVALIDITY and UIDs over (see DovecotUidList.Migrate):
/// <code>
/// MAILADMIN-UIDLIST 1 &lt;uidvalidity&gt; &lt;uidnext&gt;
/// &lt;uid&gt; &lt;base file name&gt;
/// ...
/// </code>
/// The next UID is the larger of the header's value and the highest UID listed plus one. A torn last
/// line (a crash during an append) is dropped: its message gets a new UID, as it did before.
/// </summary>
internal sealed class LegacyUidList
{
    internal const string FileName = "mailadmin-uidlist";
    internal const string Magic = "MAILADMIN-UIDLIST";
    internal const int Version = 1;

    internal uint UidValidity { get; private set; }
    internal uint UidNext { get; private set; } = 1;
    /// <summary>Base name → UID, as listed.</summary>
    internal Dictionary<string, uint> Entries { get; } = new Dictionary<string, uint>(StringComparer.Ordinal);
    /// <summary>The file was damaged (torn last line, bad lines) or listed duplicates.</summary>
    internal bool NeedsRewrite { get; private set; }

    /// <summary>The list at <paramref name="path"/>, or null when there is none.</summary>
    internal static LegacyUidList? Read(string path)
    {
        var list = new LegacyUidList();
        string text;
        try { text = File.ReadAllText(path, Encoding.UTF8); }
        catch (FileNotFoundException) { return null; }

        var lines = text.Split('\n');
        var header = lines[0].Split(' ');
        if (header.Length < 4 || header[0] != Magic
            || !int.TryParse(header[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || !uint.TryParse(header[2], NumberStyles.None, CultureInfo.InvariantCulture, out var validity) || validity == 0
            || !uint.TryParse(header[3], NumberStyles.None, CultureInfo.InvariantCulture, out var next))
        {
            throw new MailStoreException($"The UID list '{path}' is damaged (bad header); move it away to rebuild it (clients will resynchronise).");
        }
        if (version > Version)
            throw new MailStoreException($"The UID list '{path}' has format version {version}, newer than this module understands.");
        list.UidValidity = validity;
        list.UidNext = Math.Max(1, next);
        // A file that does not end in a newline had its last append torn by a crash.
        if (!text.EndsWith("\n", StringComparison.Ordinal)) list.NeedsRewrite = true;
        var complete = list.NeedsRewrite ? lines.Length - 1 : lines.Length;
        for (var i = 1; i < complete; i++)
        {
            var line = lines[i];
            if (line.Length == 0) continue;
            var space = line.IndexOf(' ');
            if (space <= 0 || !uint.TryParse(line.Substring(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var uid) || uid == 0)
            {
                list.NeedsRewrite = true;
                continue;
            }
            var name = line.Substring(space + 1);
            if (uid >= list.UidNext) list.UidNext = uid + 1;
            if (list.Entries.ContainsKey(name)) { list.NeedsRewrite = true; continue; }
            list.Entries[name] = uid;
        }
        return list;
    }

}
