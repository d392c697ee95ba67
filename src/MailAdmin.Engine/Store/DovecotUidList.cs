using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace MailAdmin.Store;

/// <summary>
/// A folder's "dovecot-uidlist", in the format Dovecot 1.1 and later write (version 3), so Dovecot and this
/// module can use the same Maildir one after the other or at the same time:
/// <code>
/// 3 V&lt;uidvalidity&gt; N&lt;nextuid&gt; G&lt;mailbox guid&gt; [other header fields]
/// &lt;uid&gt; [&lt;key&gt;&lt;value&gt; ...] :&lt;base file name&gt;
/// </code>
/// Fields are a capital letter and a value. Lines are in ascending UID order; writers append under the
/// dotlock (<see cref="DovecotUidListLock"/>) or replace the whole file by a rename. The file names are
/// bases (without ":2,&lt;flags&gt;"). Version 1 files ("1 &lt;uidvalidity&gt; &lt;nextuid&gt;" and
/// "&lt;uid&gt; &lt;file name&gt;" lines, Dovecot 1.0 and Courier) are read too and written back as version 3.
/// </summary>
internal sealed class DovecotUidList
{
    internal const string FileName = "dovecot-uidlist";
    internal const int Version = 3;

    private static readonly object ValidityGate = new object();
    private static uint lastValidity;

    internal DovecotUidList(uint uidValidity, uint nextUid, string guid)
    {
        UidValidity = uidValidity;
        NextUid = nextUid;
        Guid = guid;
    }

    internal uint UidValidity { get; }
    /// <summary>The larger of the header's N and the highest UID listed plus one: UIDs are never reused.</summary>
    internal uint NextUid { get; private set; }
    /// <summary>The mailbox GUID (32 hex digits); kept as read, made once for a new list.</summary>
    internal string Guid { get; }
    /// <summary>Header fields other than V, N and G, kept as written ("K&lt;value&gt;" separated by spaces).</summary>
    internal string OtherHeaderFields { get; private set; } = "";
    /// <summary>Base name → UID and the line's extension fields (such as "S1234 W1260"), as listed.</summary>
    internal Dictionary<string, Record> Entries { get; } = new Dictionary<string, Record>(StringComparer.Ordinal);
    /// <summary>The file was damaged (torn last line, bad lines) or is of an older version: replace it, do not append to it.</summary>
    internal bool NeedsRewrite { get; private set; }

    internal readonly struct Record
    {
        internal Record(uint uid, string extensions)
        {
            Uid = uid;
            Extensions = extensions;
        }

        internal uint Uid { get; }
        internal string Extensions { get; }
    }

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

    internal static DovecotUidList CreateNew() => new DovecotUidList(NewUidValidity(), 1, System.Guid.NewGuid().ToString("N"));

    /// <summary>The list in <paramref name="directory"/>, or null when there is none.</summary>
    internal static DovecotUidList? Read(string directory)
    {
        string text;
        try { text = File.ReadAllText(Path.Combine(directory, FileName), Encoding.UTF8); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        return Parse(text, Path.Combine(directory, FileName));
    }

    internal static DovecotUidList Parse(string text, string path)
    {
        var lines = text.Split('\n');
        var header = lines[0];
        if (header.Length < 2 || header[1] != ' ' || (header[0] != '1' && header[0] != '3'))
            throw Damaged(path, "unknown version or bad header");
        uint validity = 0, next = 0;
        string guid = "";
        var other = new List<string>();
        if (header[0] == '1')
        {
            var parts = header.Substring(2).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !TryUInt(parts[0], out validity) || !TryUInt(parts[1], out next))
                throw Damaged(path, "bad version 1 header");
        }
        else
        {
            foreach (var field in header.Substring(2).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var value = field.Substring(1);
                switch (field[0])
                {
                    case 'V': if (!TryUInt(value, out validity)) throw Damaged(path, "bad V field"); break;
                    case 'N': if (!TryUInt(value, out next)) throw Damaged(path, "bad N field"); break;
                    case 'G': guid = value; break;
                    default: other.Add(field); break;
                }
            }
        }
        if (validity == 0 || next == 0) throw Damaged(path, "no UIDVALIDITY or next UID");
        var list = new DovecotUidList(validity, next, guid.Length == 32 ? guid : System.Guid.NewGuid().ToString("N"))
        {
            OtherHeaderFields = string.Join(" ", other),
            NeedsRewrite = header[0] != '3' || guid.Length != 32,
        };
        // A file that does not end in a newline had its last append torn by a crash: that line does not count.
        var complete = text.EndsWith("\n", StringComparison.Ordinal) ? lines.Length : lines.Length - 1;
        if (complete < lines.Length) list.NeedsRewrite = true;
        uint previous = 0;
        for (var i = 1; i < complete; i++)
        {
            if (lines[i].Length == 0) continue;
            if (!TryParseLine(lines[i], header[0] == '3', out var uid, out var extensions, out var name) || uid <= previous)
            {
                list.NeedsRewrite = true;   // what Dovecot calls corrupted: the rewrite drops the line
                continue;
            }
            previous = uid;
            if (uid >= list.NextUid) list.NextUid = uid + 1;
            var baseName = MaildirFileName.Parse(name).BaseName;
            if (list.Entries.ContainsKey(baseName)) { list.NeedsRewrite = true; continue; }
            list.Entries[baseName] = new Record(uid, extensions);
        }
        return list;
    }

    private static bool TryParseLine(string line, bool version3, out uint uid, out string extensions, out string name)
    {
        extensions = "";
        name = "";
        var space = line.IndexOf(' ');
        if (space <= 0 || !TryUInt(line.Substring(0, space), out uid) || uid == 0) { uid = 0; return false; }
        var rest = line.Substring(space + 1).TrimStart(' ');
        if (version3)
        {
            // Extension fields up to the ':' that starts the file name.
            var colon = rest.IndexOf(':');
            if (colon < 0) return false;
            var fields = rest.Substring(0, colon).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Any(f => f[0] < 'A' || f[0] > 'Z')) return false;
            extensions = string.Join(" ", fields);
            rest = rest.Substring(colon + 1);
        }
        name = rest;
        return name.Length > 0 && name.IndexOf('/') < 0;
    }

    private static bool TryUInt(string s, out uint value)
        => uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static MailStoreException Damaged(string path, string why)
        => new MailStoreException($"The UID list '{path}' is damaged ({why}); move it away to rebuild it (clients will resynchronise).");

    /// <summary>The header line, newline included.</summary>
    internal static string Header(uint uidValidity, uint nextUid, string guid, string otherFields)
    {
        var line = string.Format(CultureInfo.InvariantCulture, "{0} V{1} N{2} G{3}", Version, uidValidity, nextUid, guid);
        return (otherFields.Length > 0 ? line + " " + otherFields : line) + "\n";
    }

    /// <summary>One message's line, newline included.</summary>
    internal static string Line(uint uid, string baseName, string extensions = "")
        => uid.ToString(CultureInfo.InvariantCulture) + (extensions.Length > 0 ? " " + extensions : "") + " :" + baseName + "\n";

    /// <summary>
    /// Carries a folder's old "mailadmin-uidlist" over: writes a dovecot-uidlist with the same UIDVALIDITY, next UID
    /// and UIDs (durable: file and directory fsynced), and only then removes the old file, so a crash leaves one of
    /// them or both (then the next open removes the old one). Caller holds the dotlock.
    /// </summary>
    internal static void Migrate(string directory)
    {
        var legacyPath = Path.Combine(directory, LegacyUidList.FileName);
        if (!File.Exists(legacyPath)) return;
        if (!File.Exists(Path.Combine(directory, FileName)))
        {
            var legacy = LegacyUidList.Read(legacyPath);
            if (legacy is null) return;
            var sb = new StringBuilder();
            sb.Append(Header(legacy.UidValidity, legacy.UidNext, System.Guid.NewGuid().ToString("N"), ""));
            foreach (var entry in legacy.Entries.OrderBy(e => e.Value))
                sb.Append(Line(entry.Value, entry.Key));
            DurableFile.ReplaceAtomically(Path.Combine(directory, FileName), Encoding.UTF8.GetBytes(sb.ToString()));
        }
        File.Delete(legacyPath);
        NativeMethods.FsyncDirectory(directory);
    }
}
