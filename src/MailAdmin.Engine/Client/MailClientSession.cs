using System;
using System.Threading;
using System.Threading.Tasks;
using MailKit;

namespace MailAdmin.Client;

/// <summary>
/// One connected (and usually logged-in) client: what Connect-*Server returns and every
/// client cmdlet uses. A MailKit client runs one command at a time, so all use goes
/// through <see cref="UseAsync{T}"/>, which serialises callers and routes the protocol log
/// to the caller's -Verbose.
/// </summary>
public abstract class MailClientSession : IDisposable
{
    private readonly SemaphoreSlim _turn = new SemaphoreSlim(1, 1);
    private static readonly AsyncLocal<MailClientSession?> Holder = new AsyncLocal<MailClientSession?>();
    private int _disposed;

    protected MailClientSession(MailClientOptions options, IMailService service, ClientProtocolLog log)
    {
        Options = options;
        Service = service;
        Log = log;
        ConnectedAt = DateTimeOffset.Now;
    }

    public MailClientProtocol Protocol => Options.Protocol;
    public string Server => Options.Server;
    public int Port => Options.EffectivePort;
    public string? UserName { get; internal set; }
    public DateTimeOffset ConnectedAt { get; }
    public bool IsConnected => Volatile.Read(ref _disposed) == 0 && Service.IsConnected;
    public bool IsAuthenticated => IsConnected && Service.IsAuthenticated;
    public bool IsSecure => Service.IsSecure;
    public string? TlsProtocol => Service.IsSecure ? Service.SslProtocol.ToString() : null;
    public string? TlsCipher => Service.IsSecure ? Service.SslCipherAlgorithm.ToString() : null;

    /// <summary>The SASL mechanisms the server offered before login.</summary>
    public string[] AuthenticationMechanisms { get; internal set; } = new string[0];

    /// <summary>The extensions the server announced, as it wrote them (EHLO keywords, CAPABILITY atoms, CAPA lines), last seen while connecting.</summary>
    public string[] Capabilities { get; internal set; } = new string[0];

    public MailClientOptions Options { get; }

    /// <summary>
    /// The command that opened this session for itself (-Server), e.g. "Get-ImapMessage";
    /// null for a Connect-*Server session. Such a session closes when the pipeline that
    /// command ran in is done, and the messages it read say so when asked for more later.
    /// </summary>
    public string? OpenedBy { get; set; }

    internal IMailService Service { get; }
    internal ClientProtocolLog Log { get; }

    /// <summary>
    /// Runs <paramref name="work"/> with the connection to itself; other callers wait their
    /// turn. <paramref name="listener"/> receives the protocol lines meanwhile (-Verbose).
    /// MailKit failures come out as <see cref="MailClientException"/>.
    /// </summary>
    public async Task<T> UseAsync<T>(Func<CancellationToken, Task<T>> work, Action<string>? listener, CancellationToken cancellationToken)
    {
        if (Holder.Value == this)
            throw new InvalidOperationException("This session is already in use by the current operation; a nested use would deadlock.");
        if (Volatile.Read(ref _disposed) != 0)
            throw ClosedError();
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        Holder.Value = this;
        Log.Listener = listener;
        try
        {
            if (!Service.IsConnected)
                throw new MailClientException(Protocol, MailClientFailure.ConnectionLost, $"The connection to {Server} was closed; connect again.");
            return await work(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!(ex is MailClientException) && !(ex is OperationCanceledException) && !(ex is InvalidOperationException))
        {
            throw MailClientErrors.Classify(Protocol, ex, Server);
        }
        finally
        {
            Log.Listener = null;
            Holder.Value = null;
            _turn.Release();
        }
    }

    public Task UseAsync(Func<CancellationToken, Task> work, Action<string>? listener, CancellationToken cancellationToken) =>
        UseAsync(async token => { await work(token).ConfigureAwait(false); return true; }, listener, cancellationToken);

    /// <summary>Why this session cannot be used any more, and what to do instead.</summary>
    internal MailClientException ClosedError()
    {
        var connect = $"Connect-{Protocol}Server";
        var message = OpenedBy == null
            ? $"The session to {Server} is closed; connect again."
            : $"The connection {OpenedBy} -Server opened for itself to {Server} closed when that command's pipeline ended. " +
              $"Use what it returned in the same pipeline ({OpenedBy} -Server ... | ...), or connect first with {connect} so that the session stays open.";
        return new MailClientException(Protocol, MailClientFailure.ConnectionLost, message);
    }

    /// <summary>True once Disconnect or Dispose ran.</summary>
    public bool IsClosed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Runs <paramref name="work"/> on this session or, when this is a command's own session
    /// (<see cref="OpenedBy"/>) that closed with its pipeline, on a fresh connection with the
    /// same options that closes again at once: a lazy body load after the pipeline (a stored
    /// `$messages = Get-ImapMessage -Server ...`) still works instead of failing quietly.
    /// </summary>
    public async Task<T> UseOrReconnectAsync<T>(Func<MailClientSession, CancellationToken, Task<T>> work, Action<string>? listener, CancellationToken cancellationToken)
    {
        if (!IsClosed || OpenedBy == null)
            return await UseAsync(token => work(this, token), listener, cancellationToken).ConfigureAwait(false);
        var fresh = await MailClientConnector.ConnectAsync(Options, listener, cancellationToken).ConfigureAwait(false);
        try
        {
            return await fresh.UseAsync(token => work(fresh, token), listener, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await fresh.DisconnectAsync(null, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Synchronous use, for lazy loads from property getters (the pipeline thread).</summary>
    public T Use<T>(Func<CancellationToken, Task<T>> work) => UseAsync(work, null, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>
    /// Connects again, with the same options and login, when the server closed the
    /// connection (a 421, a restart); a no-op while still connected. For retries.
    /// </summary>
    internal async Task ReconnectAsync(Action<string>? listener, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
            throw ClosedError();
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        Log.Listener = listener;
        try
        {
            if (!Service.IsConnected)
                await MailClientConnector.ReopenAsync(this, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Log.Listener = null;
            _turn.Release();
        }
    }

    /// <summary>Says goodbye politely (QUIT/LOGOUT) when still connected; never throws.</summary>
    public async Task DisconnectAsync(Action<string>? listener, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        Log.Listener = listener;
        try
        {
            if (Service.IsConnected)
                await Service.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException))
        {
            // The server going away first is not a failure of Disconnect.
        }
        finally
        {
            Log.Listener = null;
            _turn.Release();
            Service.Dispose();
            Log.Dispose();
        }
    }

    public void Dispose()
    {
        try { DisconnectAsync(null, CancellationToken.None).Wait(TimeSpan.FromSeconds(5)); }
        catch (AggregateException) { }
        GC.SuppressFinalize(this);
    }

    /// <summary>"imap://mail.example.com:143 as ann@example.com": a user name that is an address would read badly inside the URL.</summary>
    public override string ToString() => $"{Protocol.ToString().ToLowerInvariant()}://{Server}:{Port}{(UserName != null ? " as " + UserName : "")}";
}
