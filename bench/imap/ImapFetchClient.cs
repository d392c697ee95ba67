// The bench's own IMAP load client for FETCH of every message (BODY[], or any item list such as
// ENVELOPE), compiled by bench/ImapThroughput.ps1 with Add-Type. Python's imaplib turned out to be
// the bottleneck when fetching every body (it copies each literal into lists and strings); this
// client reads the answer into one buffer and skips each literal without looking at it, so what it
// times is the server and the loopback.
using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace MailAdminBench
{
    public sealed class ImapFetchClient : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly byte[] _buffer = new byte[1 << 20];
        private int _start;
        private int _end;
        private int _tag;

        public ImapFetchClient(string host, int port, string user, string password)
        {
            _tcp = new TcpClient(host, port) { NoDelay = true, ReceiveTimeout = 120000 };
            _stream = _tcp.GetStream();
            ReadSegment(out _); // greeting
            Run("LOGIN \"" + user + "\" \"" + password + "\"");
            Run("SELECT INBOX");
        }

        /// <summary>Times one `UID FETCH 1:* items` (items as sent, e.g. "(UID FLAGS ENVELOPE)"); returns
        /// seconds, and how many untagged responses and literal bytes came back (the caller checks them).
        /// Lines are only split, never parsed further: an ENVELOPE costs this client what its bytes cost.</summary>
        public double FetchAll(string items, out int messages, out long literalBytes)
        {
            var watch = Stopwatch.StartNew();
            Run("UID FETCH 1:* " + items, out messages, out literalBytes);
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

        // A line up to CRLF: its start as text (enough for the tag, the status and an error's reason;
        // a FETCH line of ENVELOPE or FLAGS is not decoded whole); literal = n when it ends in {n}
        // (or {n+}), else -1.
        private string ReadSegment(out long literal)
        {
            while (true)
            {
                int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    int length = newline - _start;
                    if (length > 0 && _buffer[newline - 1] == '\r') length--;
                    string text = Encoding.ASCII.GetString(_buffer, _start, Math.Min(length, 200));
                    literal = LiteralLength(_start, length);
                    _start = newline + 1;
                    return text;
                }
                Fill();
            }
        }

        private long LiteralLength(int start, int length)
        {
            int end = start + length - 1;
            if (length < 3 || _buffer[end] != '}') return -1;
            int i = end - 1;
            if (_buffer[i] == '+') i--;
            long n = 0, scale = 1;
            int digits = 0;
            for (; i > start && _buffer[i] >= '0' && _buffer[i] <= '9'; i--, digits++)
            {
                n += (_buffer[i] - '0') * scale;
                scale *= 10;
            }
            return digits > 0 && _buffer[i] == '{' ? n : -1;
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
