/**
 * A campaign must name a template that exists and can be used: checked before anything is applied, by the CLI
 * and by the API alike. A broken template elsewhere does not concern the campaigns that do not use it.
 */
import { type Campaign, type CampaignCheck, type CampaignProblem, type LoadedCampaign, valueSetsOf } from '../campaigns/index.ts';
import type { TemplateRegistry } from '../render/index.ts';

export function templateCheck(templates: TemplateRegistry, templatesDir: string): CampaignCheck {
  return (campaign) => {
    if (!templates.has(campaign.template)) {
      const message = `"${campaign.template}" has no file ${templatesDir}/${campaign.template}.hbs: create it or fix the name`;
      return [{ field: 'template', message }];
    }
    const problems = templates.problemsFor(campaign).map(({ kind, file, problem }) => ({
      field: 'template',
      message: `"${campaign.template}" cannot be used: ${file} ${problem}${kind === 'broken' ? ': fix the template' : ''}`,
    }));
    const fallback = campaign.languageFallback;
    if (problems.length > 0 || fallback === 'skip' || templates.resolve(campaign.template, fallback)) return problems;
    const message = `"${fallback}" has no variant of "${campaign.template}": add ${templatesDir}/${campaign.template}.${fallback}.hbs, or name a language it has`;
    return [{ field: 'languageFallback', message }];
  };
}

/** Each value set the campaigns name that cannot be used (`problemOf` says why), with the file and field naming it. */
export function valueSetProblems(loaded: readonly LoadedCampaign[], problemOf: (url: string) => string | undefined): CampaignProblem[] {
  return loaded.flatMap(({ file, campaign }) =>
    valueSetsOf(campaign).flatMap((url) => {
      const problem = problemOf(url);
      return problem === undefined ? [] : [{ file, field: fieldNaming(campaign, url), message: problem }];
    }),
  );
}

/** Where the campaign names the value set: the trigger or cohort, else the criteria that do. */
function fieldNaming(campaign: Campaign, url: string): string {
  if (campaign.trigger?.valueSet === url) return 'trigger.valueSet';
  if (campaign.cohort?.valueSet === url) return 'cohort.valueSet';
  return valueSetsOf({ when: campaign.when }).includes(url) ? 'when' : 'exclude';
}
