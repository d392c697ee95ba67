using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

/// <summary>File names for messages exported into a folder.</summary>
internal static class ExportFileNames
{
    /// <summary>
    /// The message's own file name when it came from an .eml, else date and subject; made
    /// unique in the folder (and among names taken in this export) with a counter.
    /// </summary>
    public static string UniqueEmlPath(string folder, MailMessage message, ISet<string> taken)
    {
        string stem;
        if (message.Origin.Path != null && !(message.Origin is MboxOrigin))
            stem = Path.GetFileNameWithoutExtension(message.Origin.Path);
        else
            stem = (message.Date ?? DateTimeOffset.Now).ToString("yyyyMMdd-HHmmss") + "-" + Sanitize(message.Subject);
        var candidate = Path.Combine(folder, stem + ".eml");
        for (int n = 2; File.Exists(candidate) || taken.Contains(candidate); n++)
            candidate = Path.Combine(folder, $"{stem}-{n}.eml");
        return candidate;
    }

    /// <summary>Keeps a name to letters, digits and a few safe marks, at most 60 characters.</summary>
    internal static string Sanitize(string text)
    {
        var builder = new StringBuilder();
        foreach (var c in text)
        {
            if (builder.Length >= 60) break;
            builder.Append(char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.' ? c : '_');
        }
        var name = builder.ToString().Trim('.', '_');
        return name.Length == 0 ? "message" : name;
    }
}
