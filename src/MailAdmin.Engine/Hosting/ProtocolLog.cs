using System;
using System.IO;
using System.Text;

namespace MailAdmin.Hosting
{
    /// <summary>
    /// The -LogPath protocol log: one line per command and reply, appended from any session
    /// thread. The SMTP layer redacts secrets before a line gets here.
    /// </summary>
    public sealed class ProtocolLog : IDisposable
    {
        private readonly object _gate = new object();
        private readonly StreamWriter _writer;

        public ProtocolLog(string path)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            _writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
        }

        public void Write(string protocol, string line)
        {
            lock (_gate)
                _writer.WriteLine(protocol + " " + line);
        }

        public void Dispose()
        {
            lock (_gate)
                _writer.Dispose();
        }
    }
}
