using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace MailAdmin.Engine.Tests.Hosting;

/// <summary>A raw loopback client that reads everything the server says until it closes.</summary>
internal sealed class LineClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StringBuilder _received = new();
    private readonly Task _reader;
    private int _seen;

    private LineClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = Task.Run(ReadAllAsync);
    }

    public static async Task<LineClient> ConnectAsync(int port, string greeting)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        var c = new LineClient(tcp);
        await c.ExpectAsync(greeting);
        return c;
    }

    private async Task ReadAllAsync()
    {
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await _stream.ReadAsync(buffer)) > 0)
                lock (_received) _received.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }

    public bool Closed => _reader.IsCompleted;

    /// <summary>Everything received so far.</summary>
    public string Text { get { lock (_received) return _received.ToString(); } }

    /// <summary>Waits (at most <paramref name="limit"/>) for the server to close.</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan limit) => await Task.WhenAny(_reader, Task.Delay(limit)) == _reader;

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes) { await _stream.WriteAsync(bytes); await _stream.FlushAsync(); }

    /// <summary>Waits for a line starting with <paramref name="prefix"/> after what was already seen.</summary>
    public async Task ExpectAsync(string prefix)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            lock (_received)
            {
                var text = _received.ToString();
                for (int pos = _seen, end; (end = text.IndexOf('\n', pos)) >= 0; pos = end + 1)
                {
                    if (string.CompareOrdinal(text, pos, prefix, 0, prefix.Length) == 0) { _seen = end + 1; return; }
                }
            }
            if (Closed) break;
            await Task.Delay(10);
        }
        lock (_received) throw new Xunit.Sdk.XunitException($"no '{prefix}' in: {_received}");
    }

    public async Task CommandAsync(string line, string expect)
    {
        await SendAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
        await ExpectAsync(expect);
    }

    /// <summary>Sends <paramref name="text"/> a byte (or, with <paramref name="whole"/>, all of it) every 200 ms, over and over,
    /// until the server closes; returns how long that took and what the server said meanwhile.</summary>
    public async Task<(TimeSpan Elapsed, string Text)> TrickleAsync(string text, bool whole = false)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var sw = Stopwatch.StartNew();
        for (int i = 0; !Closed && sw.Elapsed < TimeSpan.FromSeconds(30); i++)
        {
            try { await SendAsync(whole ? bytes : new[] { bytes[i % bytes.Length] }); }
            catch (IOException) { break; }
            await Task.WhenAny(_reader, Task.Delay(200));
        }
        await Task.WhenAny(_reader, Task.Delay(2000));
        lock (_received) return (sw.Elapsed, _received.ToString(_seen, _received.Length - _seen));
    }

    public async ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        await _reader;
    }
}
