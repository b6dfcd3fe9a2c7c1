/**
 * A campaign must name a template that exists and can be used: checked before anything is applied, by the CLI
 * and by the API alike. A broken template elsewhere does not concern the campaigns that do not use it.
 */
import type { CampaignCheck } from '../campaigns/index.ts';
import type { TemplateRegistry } from '../render/index.ts';

export function templateCheck(templates: TemplateRegistry, templatesDir: string): CampaignCheck {
  return (campaign) => {
    if (!templates.has(campaign.template)) {
      const message = `"${campaign.template}" has no file ${templatesDir}/${campaign.template}.hbs: create it or fix the name`;
      return [{ field: 'template', message }];
    }
    return templates.problemsFor(campaign).map(({ kind, file, problem }) => ({
      field: 'template',
      message: `"${campaign.template}" cannot be used: ${file} ${problem}${kind === 'broken' ? ': fix the template' : ''}`,
    }));
  };
}
