using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using MailAdmin.Hosting;
using MailAdmin.Protocols.Smtp.Faults;

namespace MailAdmin.Commands;

/// <summary>Remove-MailServerRule: takes fault rules away (by name, id, from the pipeline, or all
/// of a server's for a test teardown); sessions stop meeting them at their next step.</summary>
// ConfirmImpact Low: removing a test fault is the undo of Add-MailServerRule, not a loss of data.
[Cmdlet(VerbsCommon.Remove, "MailServerRule", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
public sealed class RemoveMailServerRuleCommand : MailServerRuleCmdlet
{
    private const string NameSet = "Name", IdSet = "Id", InputSet = "InputObject", AllSet = "All";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    public int[]? Id { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [ValidateNotNull]
    public SmtpFaultRule[]? InputObject { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject != null)
        {
            foreach (var rule in InputObject)
            {
                var server = Server ?? (rule.Server != null ? MailServerRegistry.Find(rule.Server) : null);
                if (server == null || !server.Rules.Rules.Contains(rule))
                {
                    WriteError(new ItemNotFoundException($"The rule {rule} is not on a running server."), "MailServerRuleNotFound", ErrorCategory.ObjectNotFound, rule);
                    continue;
                }
                RemoveRule(server, rule);
            }
            return;
        }
        foreach (var server in TargetServers(all: false))
        {
            if (All)
            {
                if (server.Rules.Rules.Count > 0 && ShouldProcess(server.Name, $"Remove all {server.Rules.Rules.Count} fault rule(s)"))
                    server.Rules.Clear();
                continue;
            }
            foreach (var rule in Select(server))
                RemoveRule(server, rule);
        }
    }

    private IEnumerable<SmtpFaultRule> Select(MailServer server)
    {
        var rules = server.Rules.Rules;
        if (Id != null)
        {
            foreach (var id in Id)
            {
                var rule = rules.FirstOrDefault(r => r.Id == id);
                if (rule == null) WriteError(new ItemNotFoundException($"Mail server '{server.Name}' has no rule {id}."), "MailServerRuleNotFound", ErrorCategory.ObjectNotFound, id);
                else yield return rule;
            }
            yield break;
        }
        foreach (var name in Name!)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var matches = rules.Where(r => r.Name != null && pattern.IsMatch(r.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                WriteError(new ItemNotFoundException($"Mail server '{server.Name}' has no rule named '{name}'."), "MailServerRuleNotFound", ErrorCategory.ObjectNotFound, name);
            foreach (var rule in matches) yield return rule;
        }
    }

    private void RemoveRule(MailServer server, SmtpFaultRule rule)
    {
        if (ShouldProcess($"{server.Name}: {rule}", "Remove fault rule"))
            server.Rules.Remove(rule);
    }
}
