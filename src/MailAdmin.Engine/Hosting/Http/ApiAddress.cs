using System.Collections.Generic;
using System.Linq;
using MimeKit;

namespace MailAdmin.Hosting.Http;

/// <summary>A mailbox as the Mailpit API shows it: {"Name": ..., "Address": ...}.</summary>
internal sealed class ApiAddress
{
    public ApiAddress(string name, string address)
    {
        Name = name;
        Address = address;
    }

    public string Name { get; }
    public string Address { get; }

    public Dictionary<string, object?> ToJson() => new Dictionary<string, object?> { ["Name"] = Name, ["Address"] = Address };

    public static IReadOnlyList<ApiAddress> From(InternetAddressList list) =>
        list.Mailboxes.Select(m => new ApiAddress(m.Name ?? string.Empty, m.Address ?? string.Empty)).ToList();

    public static List<object?> ToJson(IReadOnlyList<ApiAddress> list) => list.Select(a => (object?)a.ToJson()).ToList();
}
