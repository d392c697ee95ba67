using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace MailAdmin.Store;

/// <summary>
/// A Maildir folder's <c>mailadmin-modseq</c>: the CONDSTORE state and the first recent UID, which Maildir
/// itself has no place for. Written whole on a clean close ("clean": every message's MODSEQ listed) and, while
/// the folder is in use, as "dirty" with a ceiling above every MODSEQ that may be handed out before the next
/// write. After a crash (a dirty file) every message gets a MODSEQ above that ceiling, so MODSEQs never go
/// backwards; CONDSTORE clients then see all messages as changed once, which costs a resync, never a missed change.
/// <code>
/// mailadmin-modseq 1
/// clean|dirty &lt;highest modseq&gt; &lt;ceiling&gt; &lt;first recent uid&gt;
/// &lt;modseq&gt; &lt;base name&gt;          (clean only, one line per message)
/// </code>
/// </summary>
internal sealed class ModSeqFile
{
    internal const string FileName = "mailadmin-modseq";
    private const string Magic = "mailadmin-modseq 1";

    /// <summary>How many MODSEQs a dirty write reserves: one fsync per this many changes.</summary>
    internal const ulong Reserve = 1000;

    private ModSeqFile(bool exists, bool clean, ulong highest, ulong ceiling, uint firstRecentUid, Dictionary<string, ulong> modSeqs)
    {
        Exists = exists;
        Clean = clean;
        Highest = highest;
        Ceiling = ceiling;
        FirstRecentUid = firstRecentUid;
        ModSeqs = modSeqs;
    }

    /// <summary>False when there was no readable file (a new folder, or one written by an older version).</summary>
    internal bool Exists { get; }
    /// <summary>Written at a clean close: <see cref="ModSeqs"/> are exact.</summary>
    internal bool Clean { get; }
    internal ulong Highest { get; }
    /// <summary>No MODSEQ above this was handed out before the file was written (dirty) or replaced.</summary>
    internal ulong Ceiling { get; }
    /// <summary>Messages from this UID on were not claimed by any session when the file was written (0: none known).</summary>
    internal uint FirstRecentUid { get; }
    /// <summary>Base name → MODSEQ (clean files only).</summary>
    internal Dictionary<string, ulong> ModSeqs { get; }

    internal static ModSeqFile Read(string path)
    {
        var modSeqs = new Dictionary<string, ulong>(StringComparer.Ordinal);
        string text;
        try { text = File.ReadAllText(path, Encoding.UTF8); }
        catch (FileNotFoundException) { return Missing(modSeqs); }
        catch (DirectoryNotFoundException) { return Missing(modSeqs); }
        var lines = text.Split('\n');
        if (lines.Length < 2 || lines[0] != Magic) return Missing(modSeqs);
        var head = lines[1].Split(' ');
        if (head.Length != 4 || (head[0] != "clean" && head[0] != "dirty")
            || !ulong.TryParse(head[1], NumberStyles.None, CultureInfo.InvariantCulture, out var highest)
            || !ulong.TryParse(head[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ceiling)
            || !uint.TryParse(head[3], NumberStyles.None, CultureInfo.InvariantCulture, out var firstRecent))
            return Missing(modSeqs);
        var clean = head[0] == "clean";
        if (clean)
        {
            // A clean file is complete only with its last newline (written atomically, so this is paranoia).
            if (!text.EndsWith("\n", StringComparison.Ordinal)) clean = false;
            for (var i = 2; clean && i < lines.Length - 1; i++)
            {
                var space = lines[i].IndexOf(' ');
                if (space <= 0 || !ulong.TryParse(lines[i].Substring(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var m)) { clean = false; break; }
                modSeqs[lines[i].Substring(space + 1)] = m;
            }
        }
        return new ModSeqFile(true, clean, highest, Math.Max(ceiling, highest), firstRecent, modSeqs);
    }

    private static ModSeqFile Missing(Dictionary<string, ulong> empty) => new ModSeqFile(false, false, 0, 0, 0, empty);

    /// <summary>The state at a clean close: exact MODSEQs of every message.</summary>
    internal static void WriteClean(string path, ulong highest, uint firstRecentUid, IEnumerable<(string BaseName, ulong ModSeq)> messages)
    {
        var sb = new StringBuilder();
        sb.Append(Magic).Append('\n');
        sb.Append("clean ").Append(Number(highest)).Append(' ').Append(Number(highest)).Append(' ').Append(Number(firstRecentUid)).Append('\n');
        foreach (var (baseName, modSeq) in messages) sb.Append(Number(modSeq)).Append(' ').Append(baseName).Append('\n');
        DurableFile.ReplaceAtomically(path, Encoding.UTF8.GetBytes(sb.ToString()));
    }

    /// <summary>The folder is in use: MODSEQs up to <paramref name="ceiling"/> may be handed out before the next write.</summary>
    internal static void WriteDirty(string path, ulong highest, ulong ceiling, uint firstRecentUid)
    {
        var text = Magic + "\ndirty " + Number(highest) + " " + Number(ceiling) + " " + Number(firstRecentUid) + "\n";
        DurableFile.ReplaceAtomically(path, Encoding.UTF8.GetBytes(text));
    }

    private static string Number(ulong n) => n.ToString(CultureInfo.InvariantCulture);
}
