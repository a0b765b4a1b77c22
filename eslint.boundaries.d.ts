import type { Linter } from 'eslint';

export declare const PUBLIC_MODULES: string[];
export declare const boundaryRules: Linter.RulesRecord;
export declare const taskModuleRules: Linter.RulesRecord;
export declare const NOT_YET_THROUGH_PUBLIC_API: string[];
