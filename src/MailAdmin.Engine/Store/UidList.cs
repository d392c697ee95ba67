using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace MailAdmin.Store;

/// <summary>
/// The per-folder UID file "mailadmin-uidlist":
/// <code>
/// MAILADMIN-UIDLIST 1 &lt;uidvalidity&gt; &lt;uidnext&gt;
/// &lt;uid&gt; &lt;base file name&gt;
/// ...
/// </code>
/// Lines are appended (and fsynced) as messages arrive, in ascending UID order; the header is rewritten
/// only when the whole file is (on open, when it is repaired or compacted). The next UID is the larger of
/// the header's value and the highest UID listed plus one, so UIDs are never reused.
/// </summary>
internal sealed class UidList
{
    internal const string FileName = "mailadmin-uidlist";
    internal const string Magic = "MAILADMIN-UIDLIST";
    internal const int Version = 1;

    private static readonly object ValidityGate = new object();
    private static uint lastValidity;

    internal uint UidValidity { get; set; }
    internal uint UidNext { get; set; } = 1;
    /// <summary>Base name → UID, as listed.</summary>
    internal Dictionary<string, uint> Entries { get; } = new Dictionary<string, uint>(StringComparer.Ordinal);
    /// <summary>The file was missing, damaged (torn last line, bad lines) or listed duplicates: rewrite it.</summary>
    internal bool NeedsRewrite { get; private set; }

    /// <summary>A new UIDVALIDITY: the current Unix time, strictly above any given out before in this process.</summary>
    internal static uint NewUidValidity()
    {
        lock (ValidityGate)
        {
            var now = (uint)Math.Max(1, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            lastValidity = Math.Max(now, lastValidity + 1);
            return lastValidity;
        }
    }

    internal static UidList Read(string path)
    {
        var list = new UidList();
        string text;
        try { text = File.ReadAllText(path, Encoding.UTF8); }
        catch (FileNotFoundException) { list.UidValidity = NewUidValidity(); list.NeedsRewrite = true; return list; }

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

    internal static string Header(uint uidValidity, uint uidNext)
        => string.Format(CultureInfo.InvariantCulture, "{0} {1} {2} {3}\n", Magic, Version, uidValidity, uidNext);

    internal static string Line(uint uid, string baseName)
        => uid.ToString(CultureInfo.InvariantCulture) + " " + baseName + "\n";
}
