using System;
using System.IO;
using System.Linq;
using System.Text;

namespace MailAdmin.Commands;

/// <summary>
/// Turns an attachment's file name, which the sender chose, into a safe name for one file
/// in the destination folder: no directories, no characters that any file system refuses,
/// no device names.
/// </summary>
internal static class AttachmentFileNames
{
    private const int MaxLength = 200;
    private const string Fallback = "attachment";
    // The characters Windows refuses, refused everywhere so a saved set of files can move between systems.
    private const string Invalid = "<>:\"/\\|?*";
    private static readonly string[] DeviceNames =
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    public static string Sanitize(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return Fallback;
        // Only the last segment: "../../etc/passwd", "/etc/passwd" and "C:\x\y" lose their folders.
        var last = name!.Replace('\\', '/');
        last = last.Substring(last.LastIndexOf('/') + 1);

        var builder = new StringBuilder(last.Length);
        foreach (var c in last)
            builder.Append(c < 32 || c == 127 || Invalid.IndexOf(c) >= 0 || char.IsSurrogate(c) && !IsPaired(last, builder.Length) ? '_' : c);
        // Leading dots would hide the file (or make "." and ".."); trailing dots and blanks Windows drops.
        var safe = builder.ToString().Trim().TrimStart('.').TrimEnd('.', ' ');
        if (safe.Length == 0) return Fallback;

        var stem = safe.Split('.')[0].TrimEnd(' ');
        if (DeviceNames.Any(d => string.Equals(d, stem, StringComparison.OrdinalIgnoreCase)))
            safe = "_" + safe;

        if (safe.Length > MaxLength)
        {
            var extension = Path.GetExtension(safe);
            if (extension.Length > 20) extension = string.Empty;
            safe = safe.Substring(0, MaxLength - extension.Length).TrimEnd('.', ' ') + extension;
        }
        return safe;
    }

    /// <summary>A name not yet taken: "name.ext", then "name-2.ext", "name-3.ext"…</summary>
    public static string Numbered(string fileName, int number)
    {
        if (number < 2) return fileName;
        var extension = Path.GetExtension(fileName);
        var stem = fileName.Substring(0, fileName.Length - extension.Length);
        return $"{stem}-{number}{extension}";
    }

    private static bool IsPaired(string text, int index) =>
        char.IsHighSurrogate(text[index])
            ? index + 1 < text.Length && char.IsLowSurrogate(text[index + 1])
            : index > 0 && char.IsHighSurrogate(text[index - 1]);
}
