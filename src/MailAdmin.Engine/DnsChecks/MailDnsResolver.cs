using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using DnsClient;

namespace MailAdmin.DnsChecks;

/// <summary>
/// The DNS queries the mail checks need, over DnsClient: against the system's resolvers,
/// or one server given as "address", "address:port", "[v6]:port" or a host name. Every
/// query returns a <see cref="DnsAnswer{T}"/>; none throws for DNS or network trouble, so
/// a check can turn any failure into a finding.
/// </summary>
public sealed class MailDnsResolver
{
    private readonly LookupClient _client;

    public MailDnsResolver(string? server = null, TimeSpan? timeout = null)
    {
        var options = string.IsNullOrWhiteSpace(server)
            ? new LookupClientOptions()
            : new LookupClientOptions(ParseServer(server!));
        options.Timeout = timeout ?? TimeSpan.FromSeconds(5);
        // One retry: a user waiting on a dead server should wait about two timeouts, not five.
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        options.UseTcpFallback = true;
        options.ContinueOnDnsError = false;
        _client = new LookupClient(options);
        Server = string.IsNullOrWhiteSpace(server)
            ? string.Join(", ", _client.NameServers.Select(n => n.ToString()))
            : server!;
    }

    /// <summary>The server(s) asked, for reports.</summary>
    public string Server { get; }

    /// <summary>
    /// "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353", "ns.example.net" or "ns.example.net:53".
    /// A bare IPv6 address has several colons and so no port.
    /// </summary>
    public static IPEndPoint ParseServer(string server)
    {
        var text = server.Trim();
        var port = 53;
        string host = text;
        if (text.StartsWith("[", StringComparison.Ordinal))
        {
            var close = text.IndexOf(']');
            if (close < 0) throw new FormatException($"'{server}' lacks the closing ']'.");
            host = text.Substring(1, close - 1);
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':') throw new FormatException($"'{server}' is not [address]:port.");
                port = ParsePort(text.Substring(close + 2), server);
            }
        }
        else if (text.IndexOf(':') is int colon && colon > 0 && colon == text.LastIndexOf(':'))
        {
            host = text.Substring(0, colon);
            port = ParsePort(text.Substring(colon + 1), server);
        }
        if (IPAddress.TryParse(host, out var address))
            return new IPEndPoint(address, port);
        var found = System.Net.Dns.GetHostAddresses(host);
        var first = found.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? found.FirstOrDefault()
            ?? throw new FormatException($"The DNS server name '{host}' resolves to no address.");
        return new IPEndPoint(first, port);
    }

    private static int ParsePort(string text, string server) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port > 0 && port < 65536
            ? port
            : throw new FormatException($"'{server}' has no valid port.");

    public Task<DnsAnswer<DnsMx>> MxAsync(string name, CancellationToken token) =>
        QueryAsync(name, QueryType.MX, r => r.Answers.MxRecords()
            .OrderBy(m => m.Preference)
            .Select(m => new DnsMx(m.Preference, m.Exchange.Value.TrimEnd('.'))), token);

    /// <summary>TXT records, each one string: a record's character-strings are joined without separator (RFC 7208 §3.3).</summary>
    public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken token) =>
        QueryAsync(name, QueryType.TXT, r => r.Answers.TxtRecords().Select(t => string.Concat(t.Text)), token);

    /// <summary>A and AAAA addresses of a host.</summary>
    public async Task<DnsAnswer<IPAddress>> AddressesAsync(string name, CancellationToken token)
    {
        var v4 = QueryAsync(name, QueryType.A, r => r.Answers.ARecords().Select(a => a.Address), token);
        var v6 = QueryAsync(name, QueryType.AAAA, r => r.Answers.AaaaRecords().Select(a => a.Address), token);
        var (a, aaaa) = (await v4.ConfigureAwait(false), await v6.ConfigureAwait(false));
        var all = a.Records.Concat(aaaa.Records).ToList();
        if (all.Count > 0) return new DnsAnswer<IPAddress>(DnsOutcome.Found, all, null);
        // Nothing found: report the more telling failure of the two.
        return a.Failed || !aaaa.Failed ? a : aaaa;
    }

    /// <summary>PTR names of an address (the in-addr.arpa / ip6.arpa query).</summary>
    public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken token) =>
        QueryAsync(address.GetArpaName(), QueryType.PTR, r => r.Answers.PtrRecords().Select(p => p.PtrDomainName.Value.TrimEnd('.')), token);

    private async Task<DnsAnswer<T>> QueryAsync<T>(string name, QueryType type, Func<IDnsQueryResponse, IEnumerable<T>> select, CancellationToken token)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, type, QueryClass.IN, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is DnsResponseException || ex is SocketException || ex is OperationCanceledException || ex is TimeoutException)
        {
            return new DnsAnswer<T>(DnsOutcome.NoAnswer, Array.Empty<T>(), $"no answer from {Server}: {ex.Message}");
        }
        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            return new DnsAnswer<T>(DnsOutcome.NotFound, Array.Empty<T>(), null);
        if (response.HasError)
            return new DnsAnswer<T>(DnsOutcome.ServerError, Array.Empty<T>(), $"{Server} answered {response.Header.ResponseCode}: {response.ErrorMessage}");
        var records = select(response).ToList();
        return new DnsAnswer<T>(records.Count > 0 ? DnsOutcome.Found : DnsOutcome.NoData, records, null);
    }
}
