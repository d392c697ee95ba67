using System;
using System.IO;
using System.Text;

namespace MailAdmin.Hosting;

/// <summary>A thread-safe protocol log file (for -LogPath), shared by every protocol of a
/// server: append-only, one line per entry, flushed per entry. Use as
/// <c>options.ProtocolLog = logFile.Write</c>. Entries never hold secrets: the servers redact
/// AUTH payloads and passwords and do not log message content.</summary>
public sealed class ProtocolLogFile : IDisposable
{
    private readonly object _gate = new();
    private readonly StreamWriter _writer;

    public ProtocolLogFile(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false));
    }

    public void Write(ProtocolLogEntry entry)
    {
        lock (_gate)
        {
            _writer.WriteLine(entry.ToString().Replace("\r\n", "\n").Replace("\n", "\n    "));
            _writer.Flush();
        }
    }

    public void Dispose()
    {
        lock (_gate) _writer.Dispose();
    }
}
