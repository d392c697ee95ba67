using System;

namespace MailAdmin.Hosting.Http;

/// <summary>What one HTTP connection may cost the server: sizes and waits.</summary>
public sealed class HttpLimits
{
    /// <summary>Request line plus header fields; more is 431.</summary>
    public int MaxHeaderBytes { get; set; } = 16 * 1024;
    /// <summary>A request body (the API takes only small JSON bodies); more is 413.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;
    /// <summary>Header fields of one request; more is 431.</summary>
    public int MaxHeaderCount { get; set; } = 100;
    /// <summary>The wait for a whole request once its first byte came; slower is dropped (slowloris).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>The wait for the next request on a kept-alive connection.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>The time to send one answer (a 25 MB raw message to a slow client included); slower is dropped.</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(120);
    /// <summary>Simultaneous connections (event streams included); more are closed at accept.</summary>
    public int MaxConnections { get; set; } = 100;
}
