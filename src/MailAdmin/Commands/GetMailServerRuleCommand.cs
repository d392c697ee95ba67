using System.Linq;
using System.Management.Automation;
using MailAdmin.Protocols.Smtp.Faults;

namespace MailAdmin.Commands;

/// <summary>Get-MailServerRule: the fault rules of the running servers, in the order they are tried, with their hit counts.</summary>
[Cmdlet(VerbsCommon.Get, "MailServerRule", DefaultParameterSetName = NameSet)]
[OutputType(typeof(SmtpFaultRule))]
public sealed class GetMailServerRuleCommand : MailServerRuleCmdlet
{
    private const string NameSet = "Name", IdSet = "Id";

    [Parameter(Position = 0, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    public int[]? Id { get; set; }

    protected override void ProcessRecord()
    {
        var patterns = Name?.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var server in TargetServers(all: true))
        {
            foreach (var rule in server.Rules.Rules)
            {
                if (Id != null && !Id.Contains(rule.Id)) continue;
                if (patterns != null && !patterns.Any(p => rule.Name != null && p.IsMatch(rule.Name))) continue;
                WriteObject(rule);
            }
        }
    }
}
