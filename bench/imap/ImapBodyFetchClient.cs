// The bench's own IMAP load client for BODY[] fetches, compiled by bench/ImapThroughput.ps1 with
// Add-Type. Python's imaplib turned out to be the bottleneck when fetching every body (it copies
// each literal into lists and strings); this client reads the answer into one buffer and skips
// each literal without looking at it, so what it times is the server and the loopback.
using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace MailAdminBench
{
    public sealed class ImapBodyFetchClient : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly byte[] _buffer = new byte[1 << 20];
        private int _start;
        private int _end;
        private int _tag;

        public ImapBodyFetchClient(string host, int port, string user, string password)
        {
            _tcp = new TcpClient(host, port) { NoDelay = true, ReceiveTimeout = 120000 };
            _stream = _tcp.GetStream();
            ReadSegment(out _); // greeting
            Run("LOGIN \"" + user + "\" \"" + password + "\"");
            Run("SELECT INBOX");
        }

        /// <summary>Times one `UID FETCH 1:* (BODY.PEEK[])`; returns seconds, and how many
        /// messages and literal bytes came back (the caller checks them).</summary>
        public double FetchAllBodies(out int messages, out long literalBytes)
        {
            var watch = Stopwatch.StartNew();
            Run("UID FETCH 1:* (BODY.PEEK[])", out messages, out literalBytes);
            return watch.Elapsed.TotalSeconds;
        }

        private void Run(string command) => Run(command, out _, out _);

        private void Run(string command, out int untagged, out long literalBytes)
        {
            string tag = "t" + (++_tag);
            byte[] line = Encoding.ASCII.GetBytes(tag + " " + command + "\r\n");
            _stream.Write(line, 0, line.Length);
            untagged = 0;
            literalBytes = 0;
            while (true)
            {
                // One response: segments ending in a {n} literal, then a last one without.
                string first = ReadSegment(out long literal);
                while (literal >= 0)
                {
                    Skip(literal);
                    literalBytes += literal;
                    ReadSegment(out literal);
                }
                if (first.StartsWith("* ", StringComparison.Ordinal)) { untagged++; continue; }
                if (first.StartsWith(tag + " ", StringComparison.Ordinal))
                {
                    if (!first.StartsWith(tag + " OK", StringComparison.OrdinalIgnoreCase))
                        throw new InvalidOperationException(command.Split(' ')[0] + " failed: " + first);
                    return;
                }
            }
        }

        // A line up to CRLF, as text; literal = n when it ends in {n} (or {n+}), else -1.
        private string ReadSegment(out long literal)
        {
            while (true)
            {
                int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    int length = newline - _start;
                    if (length > 0 && _buffer[newline - 1] == '\r') length--;
                    string text = Encoding.ASCII.GetString(_buffer, _start, length);
                    _start = newline + 1;
                    literal = LiteralLength(text);
                    return text;
                }
                Fill();
            }
        }

        private static long LiteralLength(string text)
        {
            if (!text.EndsWith("}", StringComparison.Ordinal)) return -1;
            int open = text.LastIndexOf('{');
            if (open < 0) return -1;
            string digits = text.Substring(open + 1, text.Length - open - 2).TrimEnd('+');
            return long.TryParse(digits, out long n) ? n : -1;
        }

        private void Skip(long count)
        {
            while (count > 0)
            {
                if (_start == _end) Fill();
                int take = (int)Math.Min(count, _end - _start);
                _start += take;
                count -= take;
            }
        }

        private void Fill()
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) throw new InvalidOperationException("A response line longer than the buffer.");
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0) throw new InvalidOperationException("The server closed the connection.");
            _end += read;
        }

        public void Dispose()
        {
            try { Run("LOGOUT"); } catch (Exception) { } // the answer does not matter any more
            _tcp.Dispose();
        }
    }
}
