// Public entry point of @softliq/client.
//
// src/generated/ is rendered by Codama (`npm run generate`) from idl/softliq.json: never edit it.
// Hand-written code lives beside it: layouts and fast decoders of the zero-copy accounts
// (Market with its RiskParams / RiskState), health as the program computes it (at the margins
// in force), parameter presets and the parameters in force (`effectiveParams`, dynamic risk),
// account-creating transactions, and risk helpers (liquidation price, max borrow / withdraw,
// health after an action: src/risk.ts), and soft-liquidation sizing as the crank computes it
// (`planLiquidation`, `softLiquidationPreview`: src/liquidation.ts).
export * from './generated';
export * from './layout';
export * from './decode';
export * from './health';
export * from './risk';
export * from './liquidation';
export * from './params';
export * from './transactions';
