-- The generation of the last write that changed what an evaluation reads (issue 13). Every
-- write moves `generation`; sign-ins and sign-outs do not move this one, so a cached evaluation
-- computed at generation g stays valid while `inputs_generation <= g`.
ALTER TABLE store_state ADD COLUMN inputs_generation BIGINT NOT NULL DEFAULT 0;
UPDATE store_state SET inputs_generation = generation;
