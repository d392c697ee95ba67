using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// Reads HTTP/1.1 requests from one connection, one after another (bytes past a request stay
/// buffered for the next). Bodies by Content-Length only: the API takes small JSON bodies, and
/// chunked uploads are refused (501) rather than half supported. Limits: <see cref="HttpLimits"/>.
/// </summary>
internal sealed class HttpRequestReader
{
    private readonly Stream _stream;
    private readonly HttpLimits _limits;
    private readonly byte[] _buffer;
    private int _start, _end;

    public HttpRequestReader(Stream stream, HttpLimits limits)
    {
        _stream = stream;
        _limits = limits;
        _buffer = new byte[Math.Max(limits.MaxHeaderBytes, 4096)];
    }

    /// <summary>True when bytes of a next request are already buffered.</summary>
    public bool HasBufferedBytes => _end > _start;

    /// <summary>The next request, or null when the client closed the connection between requests.</summary>
    public async Task<HttpRequest?> ReadAsync(CancellationToken cancellationToken)
    {
        var headEnd = await ReadHeadAsync(cancellationToken).ConfigureAwait(false);
        if (headEnd < 0) return null;
        var head = Encoding.ASCII.GetString(_buffer, _start, headEnd - _start);
        _start = headEnd;
        var lines = head.Split(new[] { "\r\n" }, StringSplitOptions.None);
        var (method, target, version) = ParseRequestLine(lines[0]);
        var headers = ParseHeaders(lines);
        var body = await ReadBodyAsync(headers, cancellationToken).ConfigureAwait(false);
        return new HttpRequest(method, target, version, headers, body);
    }

    /// <summary>Fills the buffer until it holds a blank line; returns the offset after it, -1 on a clean close.</summary>
    private async Task<int> ReadHeadAsync(CancellationToken cancellationToken)
    {
        // RFC 9112 §2.2: empty lines before a request line are ignored.
        while (true)
        {
            SkipLeadingNewlines();
            var end = FindHeadEnd();
            if (end >= 0) return end;
            if (_end - _start >= _limits.MaxHeaderBytes)
                throw new HttpStatusException(431, "The request head is too large.");
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var read = await _stream.ReadAsync(_buffer, _end, Math.Min(_buffer.Length, _limits.MaxHeaderBytes) - _end, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (_end == _start) return -1;
                throw new HttpStatusException(400, "The connection closed inside a request.");
            }
            _end += read;
        }
    }

    private void SkipLeadingNewlines()
    {
        while (_start < _end && (_buffer[_start] == (byte)'\r' || _buffer[_start] == (byte)'\n')) _start++;
    }

    private int FindHeadEnd()
    {
        for (var i = _start; i + 3 < _end; i++)
        {
            if (_buffer[i] == (byte)'\r' && _buffer[i + 1] == (byte)'\n' && _buffer[i + 2] == (byte)'\r' && _buffer[i + 3] == (byte)'\n')
                return i + 4;
        }
        return -1;
    }

    private static (string, string, string) ParseRequestLine(string line)
    {
        var parts = line.Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0)
            throw new HttpStatusException(400, "The request line is malformed.");
        foreach (var c in parts[0])
        {
            if (c < 'A' || c > 'Z') throw new HttpStatusException(400, "The method is malformed.");
        }
        if (parts[2] != "HTTP/1.1" && parts[2] != "HTTP/1.0")
            throw new HttpStatusException(505, "Only HTTP/1.1 and HTTP/1.0 are served.");
        if (parts[1][0] != '/' && parts[1] != "*")
            throw new HttpStatusException(400, "The request target must be a path.");
        return (parts[0], parts[1], parts[2]);
    }

    private Dictionary<string, string> ParseHeaders(string[] lines)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // lines[0] is the request line; the head ends with "\r\n\r\n", so the last two entries are empty.
        var count = 0;
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0) continue;
            if (++count > _limits.MaxHeaderCount) throw new HttpStatusException(431, "Too many header fields.");
            // RFC 9112 §5.2: obsolete line folding is refused.
            if (line[0] == ' ' || line[0] == '\t') throw new HttpStatusException(400, "Folded header lines are not accepted.");
            var colon = line.IndexOf(':');
            if (colon <= 0) throw new HttpStatusException(400, "A header field is malformed.");
            var name = line.Substring(0, colon);
            if (name.IndexOf(' ') >= 0 || name.IndexOf('\t') >= 0) throw new HttpStatusException(400, "A header field name is malformed.");
            var value = line.Substring(colon + 1).Trim();
            headers[name] = headers.TryGetValue(name, out var previous) ? previous + ", " + value : value;
        }
        return headers;
    }

    private async Task<byte[]> ReadBodyAsync(Dictionary<string, string> headers, CancellationToken cancellationToken)
    {
        if (headers.ContainsKey("Transfer-Encoding"))
            throw new HttpStatusException(501, "Transfer-Encoding is not supported; send Content-Length.");
        if (!headers.TryGetValue("Content-Length", out var lengthText))
            return Array.Empty<byte>();
        if (!long.TryParse(lengthText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length))
            throw new HttpStatusException(400, "Content-Length is malformed.");
        if (length > _limits.MaxBodyBytes)
            throw new HttpStatusException(413, "The request body is too large.");
        var body = new byte[length];
        var have = Math.Min(_end - _start, (int)length);
        Buffer.BlockCopy(_buffer, _start, body, 0, have);
        _start += have;
        while (have < length)
        {
            var read = await _stream.ReadAsync(body, have, (int)length - have, cancellationToken).ConfigureAwait(false);
            if (read == 0) throw new HttpStatusException(400, "The connection closed inside the request body.");
            have += read;
        }
        return body;
    }
}
