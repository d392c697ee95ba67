using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;

namespace MailAdmin.Store;

/// <summary>
/// Maildir file names: "&lt;base&gt;" in new/ and "&lt;base&gt;:2,&lt;flags&gt;" in cur/, where the base is
/// "&lt;seconds&gt;.M&lt;micros&gt;P&lt;pid&gt;Q&lt;counter&gt;R&lt;random&gt;.&lt;host&gt;,S=&lt;size&gt;" and flags are the sorted letters DFPRST.
/// On Windows, where ':' is not allowed in names, the info separator is ';' (as other Windows Maildir tools do).
/// </summary>
public sealed class MaildirFileName
{
    private static long counter;
    private static readonly string HostPart = SafeHost();
    private static readonly int Pid = Process.GetCurrentProcess().Id;

    public static char InfoSeparator { get; } = Environment.OSVersion.Platform == PlatformID.Win32NT ? ';' : ':';

    private MaildirFileName(string baseName, long? size, MessageFlags flags, string keywordLetters, bool hasInfo)
    {
        KeywordLetters = keywordLetters;
        BaseName = baseName;
        Size = size;
        Flags = flags;
        HasInfo = hasInfo;
    }

    /// <summary>The unique part, without the info suffix; stable for the message's life.</summary>
    public string BaseName { get; }
    /// <summary>The S= size, when present.</summary>
    public long? Size { get; }
    public MessageFlags Flags { get; }
    /// <summary>The keyword letters a..z of the info (see DovecotKeywords), sorted and distinct; empty when none.</summary>
    public string KeywordLetters { get; }
    /// <summary>Whether the name had a ":2," info suffix.</summary>
    public bool HasInfo { get; }

    /// <summary>A new unique base name for a message of <paramref name="size"/> bytes.</summary>
    public static string NewBaseName(long size, DateTimeOffset now)
    {
        var seconds = now.ToUnixTimeSeconds();
        var micros = (now.UtcTicks % TimeSpan.TicksPerSecond) / 10;
        var q = Interlocked.Increment(ref counter);
        var r = Guid.NewGuid().ToString("N").Substring(0, 8);
        return string.Format(CultureInfo.InvariantCulture, "{0}.M{1}P{2}Q{3}R{4}.{5},S={6}", seconds, micros, Pid, q, r, HostPart, size);
    }

    /// <summary>The cur/ name of a base with flags.</summary>
    public static string WithInfo(string baseName, MessageFlags flags) => baseName + InfoSeparator + "2," + FormatFlags(flags);

    /// <summary>
    /// The cur/ name with keyword letters: as Dovecot writes it, the system flags' upper-case letters first, then
    /// the keywords' lower-case ones, all in ASCII order.
    /// </summary>
    public static string WithInfo(string baseName, MessageFlags flags, string keywordLetters)
        => WithInfo(baseName, flags) + SortedLetters(keywordLetters);

    private static string SortedLetters(string letters)
    {
        if (letters.Length == 0) return letters;
        var chars = letters.Where(c => c >= 'a' && c <= 'z').Distinct().ToArray();
        Array.Sort(chars);
        return new string(chars);
    }

    /// <summary>The system flags' letters, in the (ASCII) order a name lists them.</summary>
    private static readonly (MessageFlags Flag, char Letter)[] FlagLetters =
    {
        (MessageFlags.Draft, 'D'), (MessageFlags.Flagged, 'F'), (MessageFlags.Passed, 'P'),
        (MessageFlags.Answered, 'R'), (MessageFlags.Seen, 'S'), (MessageFlags.Deleted, 'T'),
    };

    public static string FormatFlags(MessageFlags flags)
    {
        var sb = new StringBuilder(6);
        foreach (var (flag, letter) in FlagLetters)
            if ((flags & flag) != 0) sb.Append(letter);
        return sb.ToString();
    }

    /// <summary>
    /// Whether <paramref name="fileName"/> is exactly <c>WithInfo(baseName, flags)</c>, found without building that
    /// name: a rescan asks this of every message in the folder.
    /// </summary>
    internal static bool IsWithInfo(ReadOnlySpan<char> fileName, string baseName, MessageFlags flags)
    {
        var i = baseName.Length;
        if (fileName.Length < i + 3 || !fileName.StartsWith(baseName.AsSpan())) return false;
        if (fileName[i] != InfoSeparator || fileName[i + 1] != '2' || fileName[i + 2] != ',') return false;
        i += 3;
        foreach (var (flag, letter) in FlagLetters)
        {
            if ((flags & flag) == 0) continue;
            if (i >= fileName.Length || fileName[i] != letter) return false;
            i++;
        }
        return i == fileName.Length;
    }

    /// <summary>
    /// How long the base name of a file name from new/ or cur/ is (as <see cref="Parse"/> finds it), and nothing else:
    /// a rescan needs only this of a name it already knows, and looks it up without making a string of it.
    /// </summary>
    internal static int BaseLengthOf(ReadOnlySpan<char> fileName)
    {
        var info = InfoStart(fileName);
        return info > 0 ? info : fileName.Length;
    }

    /// <summary>Where ":2," (or ";2,", the Windows spelling) begins, else -1.</summary>
    private static int InfoStart(ReadOnlySpan<char> fileName)
    {
        var info = fileName.LastIndexOf(":2,".AsSpan());
        return info >= 0 ? info : fileName.LastIndexOf(";2,".AsSpan());
    }

    /// <summary>Parses a file name from new/ or cur/. Lower-case letters are keywords; other unknown letters are ignored.</summary>
    public static MaildirFileName Parse(string fileName)
    {
        if (string.IsNullOrEmpty(fileName)) throw new ArgumentException("Empty Maildir file name.", nameof(fileName));
        var baseName = fileName;
        var flags = MessageFlags.None;
        var hasInfo = false;
        var letters = "";
        var info = InfoStart(fileName.AsSpan());
        if (info > 0)
        {
            hasInfo = true;
            baseName = fileName.Substring(0, info);
            for (var i = info + 3; i < fileName.Length; i++)
            {
                switch (fileName[i])
                {
                    case 'D': flags |= MessageFlags.Draft; break;
                    case 'F': flags |= MessageFlags.Flagged; break;
                    case 'P': flags |= MessageFlags.Passed; break;
                    case 'R': flags |= MessageFlags.Answered; break;
                    case 'S': flags |= MessageFlags.Seen; break;
                    case 'T': flags |= MessageFlags.Deleted; break;
                    case var c when c >= 'a' && c <= 'z': letters += c; break;
                }
            }
            letters = SortedLetters(letters);
        }
        return new MaildirFileName(baseName, SizeField(baseName), flags, letters, hasInfo);
    }

    /// <summary>The last ",S=&lt;digits&gt;" field of a base name (any comma-separated field "S=n"), else null. No
    /// substrings: every file of a folder is parsed at each rescan.</summary>
    private static long? SizeField(string baseName)
    {
        long? size = null;
        for (var start = 0; start < baseName.Length;)
        {
            var comma = baseName.IndexOf(',', start);
            var end = comma < 0 ? baseName.Length : comma;
            if (end - start > 2 && baseName[start] == 'S' && baseName[start + 1] == '=' && TryDigits(baseName, start + 2, end, out var n))
                size = n;
            if (comma < 0) break;
            start = comma + 1;
        }
        return size;
    }

    /// <summary>Digits only (as long.TryParse with NumberStyles.None), not overflowing.</summary>
    private static bool TryDigits(string text, int start, int end, out long value)
    {
        value = 0;
        for (var i = start; i < end; i++)
        {
            var d = text[i] - '0';
            if (d < 0 || d > 9 || value > (long.MaxValue - d) / 10) return false;
            value = value * 10 + d;
        }
        return true;
    }

    private static string SafeHost()
    {
        string host;
        try { host = Environment.MachineName; } catch { host = "localhost"; }
        if (string.IsNullOrEmpty(host)) host = "localhost";
        // The Maildir convention: '/' as \057, ':' as \072; we also keep ',' (field separator) and '.' out.
        var sb = new StringBuilder();
        foreach (var c in host)
        {
            if (c == '/') sb.Append("\\057");
            else if (c == ':') sb.Append("\\072");
            else if (c == ',') sb.Append("\\054");
            else if (c == ';') sb.Append("\\073");
            else if (c == '\\') sb.Append("\\134");
            else if (c == '.') sb.Append('_');
            else if (c < 0x21 || c > 0x7e) sb.Append('_');
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
